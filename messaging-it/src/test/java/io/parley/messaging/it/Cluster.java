package io.parley.messaging.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.lifecycle.Startables;

/**
 * Nodes in containers on an internal network of their own, each with a named volume. {@link #close()} saves every
 * node's output ({@code ID.out}) and log ({@code ID.log}) in {@code target/container-logs/}, and removes the
 * containers, the network and the volumes.
 */
final class Cluster implements AutoCloseable {

    /** Every node's name on the cluster's network besides its id, as in docker/compose.yaml. */
    static final String SERVICE_NAME = "parley";

    /** A node to start: its id and the options after the ones every node has. */
    record Spec(String id, List<String> options) {
    }

    private final String network;
    private final Map<String, NodeContainer> nodes = new LinkedHashMap<>();
    private final List<String> volumes = new ArrayList<>();

    private Cluster(String network) {
        this.network = network;
    }

    /** Starts the nodes, all at once, and returns when every one's HTTP API answers. */
    static Cluster start(String image, List<Spec> specs) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> labels = Docker.labels();
        String network = Docker.client().createNetworkCmd().withName("parley-it-" + run).withInternal(true)
                .withLabels(labels).exec().getId();
        Cluster cluster = new Cluster(network);
        try {
            for (Spec s : specs) {
                String volume = "parley-it-" + run + "-" + s.id();
                Docker.client().createVolumeCmd().withName(volume).withLabels(labels).exec();
                cluster.volumes.add(volume);
                cluster.nodes.put(s.id(), new NodeContainer(image, s.id(), network, List.of(s.id(), SERVICE_NAME), volume,
                        s.options()));
            }
            Startables.deepStart(cluster.nodes.values()).get(3, TimeUnit.MINUTES);
        } catch (Exception e) {
            cluster.close();
            throw new AssertionError("the cluster did not start: " + e, e);
        }
        return cluster;
    }

    List<String> ids() {
        return List.copyOf(nodes.keySet());
    }

    /** Every node but {@code id}. */
    List<String> others(String id) {
        return ids().stream().filter(n -> !n.equals(id)).toList();
    }

    NodeContainer node(String id) {
        NodeContainer n = nodes.get(id);
        assertThat(n).as("node %s", id).isNotNull();
        return n;
    }

    NodeApi api(String id) {
        return node(id).api();
    }

    /** Waits until every node sees every other UP. */
    void awaitAllUp(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
            for (String id : ids()) {
                assertThat(api(id).peers()).as("%s's peers", id)
                        .filteredOn(p -> p.state().equals("UP")).extracting(NodeApi.Peer::id)
                        .containsExactlyInAnyOrderElementsOf(others(id));
            }
        });
    }

    @Override
    public void close() {
        Path logs = Path.of("target", "container-logs");
        for (NodeContainer n : nodes.values()) {
            try {
                if (n.getContainerId() != null) {
                    Files.createDirectories(logs);
                    Files.writeString(logs.resolve(n.nodeId() + ".out"),
                            n.getLogs(OutputFrame.OutputType.STDOUT, OutputFrame.OutputType.STDERR));
                    // The node's own log (INFO and up), on its volume.
                    n.copyFileFromContainer("/data/" + n.nodeId() + ".log", logs.resolve(n.nodeId() + ".log").toString());
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("[messaging-it] could not save " + n.nodeId() + "'s output: " + e);
            }
            n.stop();
        }
        try {
            Docker.client().removeNetworkCmd(network).exec();
        } catch (RuntimeException e) {
            System.err.println("[messaging-it] could not remove network " + network + ": " + e);
        }
        for (String v : volumes) {
            try {
                Docker.client().removeVolumeCmd(v).exec();
            } catch (RuntimeException e) {
                System.err.println("[messaging-it] could not remove volume " + v + ": " + e);
            }
        }
    }
}
