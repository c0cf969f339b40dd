package io.parley.messaging.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine these tests run on: whether there is one, its client, and what earlier runs left behind.
 *
 * <p>Testcontainers runs here without Ryuk, its reaper container, which would have to be pulled: containers, networks
 * and volumes are removed by {@link Cluster#close()}, and what a killed run left is removed by {@link #removeLeftovers()}
 * before the next starts. Only what carries {@link #LABEL} is touched, so another project's containers are safe, and
 * only what a test JVM that is gone made ({@link #PID_LABEL}), so a run beside this one is safe too.
 */
final class Docker {

    /** The label on every container, network and volume these tests make. */
    static final String LABEL = "io.parley.it";
    /** The label that names the process (the test JVM) that made it, so that a run never removes another's. */
    static final String PID_LABEL = LABEL + ".pid";

    private Docker() {
    }

    /**
     * Returns if a Docker engine answers. Otherwise fails when {@code CI=true} (CI must never skip these tests) and
     * skips the tests with the reason everywhere else.
     */
    static void require() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return;
        }
        String reason = "no Docker engine answers at DOCKER_HOST=" + System.getenv("DOCKER_HOST")
                + " (.ci/run installs and starts one)";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true and " + reason + ": the container tests must run in CI, not be skipped");
        }
        System.err.println("[messaging-it] skipping the container tests: " + reason);
        Assumptions.abort(reason);
    }

    static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    /** The labels of everything these tests make. */
    static Map<String, String> labels() {
        return Map.of(LABEL, "true", PID_LABEL, Long.toString(ProcessHandle.current().pid()));
    }

    /**
     * Removes the containers, networks and volumes that earlier runs of these tests left (runs killed before their
     * end): those whose test JVM is gone. A run going on beside this one, in another work tree, keeps its own.
     */
    static void removeLeftovers() {
        DockerClient docker = client();
        List<String> label = List.of(LABEL + "=true");
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(label).exec()) {
            if (leftover(c.getLabels())) {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
        }
        docker.listNetworksCmd().withFilter("label", label).exec().stream().filter(n -> leftover(n.getLabels()))
                .forEach(n -> docker.removeNetworkCmd(n.getId()).exec());
        var volumes = docker.listVolumesCmd().withFilter("label", label).exec().getVolumes();
        if (volumes != null) {
            volumes.stream().filter(v -> leftover(v.getLabels())).forEach(v -> docker.removeVolumeCmd(v.getName()).exec());
        }
    }

    private static boolean leftover(Map<String, String> labels) {
        try {
            long pid = Long.parseLong(labels == null ? "" : labels.getOrDefault(PID_LABEL, ""));
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
