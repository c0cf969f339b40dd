package io.parley.messaging.it;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * One node in a container of its own, as {@code docker/compose.yaml} runs it: {@code node --listen 0.0.0.0:7000
 * --advertise ID:7000 --http 0.0.0.0:8080 --http-token-file /run/secrets/parley-http-token --db /data/ID.db
 * --headless}, its store on a named volume, 256 MiB of memory.
 *
 * <p>Two networks: the cluster's internal network, where it is {@code ID} (and {@code parley}) and talks to its
 * peers, and Docker's default bridge, which only publishes its HTTP port to this host. The bridge has no names, so
 * nodes never find each other there, and a node cut from the cluster's network still answers its HTTP API.
 */
final class NodeContainer extends GenericContainer<NodeContainer> {

    static final int PEER_PORT = 7000;
    static final int HTTP_PORT = 8080;
    static final long MEMORY_BYTES = 256L * 1024 * 1024;
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /** Where the API's token is in the container, as a Docker secret would put it (docker/compose.yaml). */
    static final String TOKEN_FILE = "/run/secrets/parley-http-token";
    /** The cluster's HTTP token, new for every run: every request but {@code /health} shows it. */
    static final String TOKEN = newToken();

    private final String nodeId;
    private final String network;
    private final List<String> aliases;
    private final NodeApi api;
    private volatile URI apiBase;

    /**
     * @param network the cluster network's id
     * @param aliases the node's names on it
     * @param volume  the named volume mounted at /data
     * @param options options after {@code node --id ID --listen ... --headless}
     */
    NodeContainer(String image, String nodeId, String network, List<String> aliases, String volume, List<String> options) {
        super(DockerImageName.parse(image));
        this.nodeId = nodeId;
        this.network = network;
        this.aliases = List.copyOf(aliases);
        this.api = new NodeApi(nodeId, this::apiBase, TOKEN);
        List<String> command = new ArrayList<>(List.of("node", "--id", nodeId, "--listen", "0.0.0.0:" + PEER_PORT,
                "--advertise", nodeId + ":" + PEER_PORT, "--http", "0.0.0.0:" + HTTP_PORT, "--http-token-file", TOKEN_FILE,
                "--db", "/data/" + nodeId + ".db", "--headless"));
        // readable by the node's user (10001); the file is root's, as a secret's is
        withCopyToContainer(Transferable.of(TOKEN + "\n", 0444), TOKEN_FILE);
        command.addAll(options);
        withCommand(command.toArray(String[]::new));
        withExposedPorts(HTTP_PORT);
        Map<String, String> labels = new HashMap<>(Docker.labels());
        labels.put(Docker.LABEL + ".node", nodeId);
        withLabels(labels);
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                .withMemory(MEMORY_BYTES)
                .withBinds(new Bind(volume, new Volume("/data"))));
        // The image has no shell, so the default wait (a shell probe inside) would not wait: ask the node itself.
        waitingFor(Wait.forHttp("/health").forPort(HTTP_PORT).forStatusCode(200).withStartupTimeout(START_TIMEOUT));
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    String nodeId() {
        return nodeId;
    }

    NodeApi api() {
        return api;
    }

    @Override
    protected void containerIsCreated(String containerId) {
        joinClusterNetwork(containerId);
    }

    private void joinClusterNetwork(String containerId) {
        docker().connectToNetworkCmd().withNetworkId(network).withContainerId(containerId)
                .withContainerNetwork(new ContainerNetwork().withAliases(aliases)).exec();
    }

    /** Cuts the node off the cluster's network: its peers cannot reach it, nor it them. Its HTTP API still answers. */
    void cut() {
        docker().disconnectFromNetworkCmd().withNetworkId(network).withContainerId(getContainerId()).exec();
    }

    /** Connects it to the cluster's network again, with its names (a disconnect drops them). */
    void heal() {
        joinClusterNetwork(getContainerId());
    }

    /** SIGKILL: the JVM dies at once, as in a crash; what it had committed is on its volume. */
    void kill() {
        docker().killContainerCmd(getContainerId()).withSignal("KILL").exec();
        awaitNotRunning();
    }

    /**
     * SIGTERM, as {@code docker stop} sends it, waiting up to 30 s for the node to close gracefully (then Docker would
     * SIGKILL it); returns once it has exited, with its exit code.
     */
    long stopGracefully() {
        docker().stopContainerCmd(getContainerId()).withTimeout(30).exec();
        InspectContainerResponse.ContainerState state = awaitNotRunning();
        return state.getExitCodeLong();
    }

    /** Starts the stopped or killed container again, on its volume, and waits until its HTTP API answers. */
    void restart() {
        apiBase = null;
        docker().startContainerCmd(getContainerId()).exec();
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> api.health().get("status").asText().equals("UP"));
    }

    /** Docker's view of the HEALTHCHECK: starting, healthy or unhealthy. */
    String health() {
        var health = docker().inspectContainerCmd(getContainerId()).exec().getState().getHealth();
        return health == null ? "none" : health.getStatus();
    }

    private InspectContainerResponse.ContainerState awaitNotRunning() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> docker().inspectContainerCmd(getContainerId()).exec().getState(), s -> !Boolean.TRUE.equals(s.getRunning()));
    }

    /**
     * Where the HTTP API is on this host. Read from an inspect, not Testcontainers' record of the start: the mapped
     * port changes when the container is started again.
     */
    URI apiBase() {
        URI base = apiBase;
        if (base == null) {
            Ports.Binding[] bindings = docker().inspectContainerCmd(getContainerId()).exec().getNetworkSettings().getPorts()
                    .getBindings().get(ExposedPort.tcp(HTTP_PORT));
            if (bindings == null || bindings.length == 0) {
                throw new IllegalStateException(nodeId + ": port " + HTTP_PORT + " is not published (is it running?)");
            }
            base = URI.create("http://" + getHost() + ":" + bindings[0].getHostPortSpec() + "/");
            apiBase = base;
        }
        return base;
    }

    private static DockerClient docker() {
        return Docker.client();
    }
}
