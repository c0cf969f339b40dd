package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite: n node processes of the demo jar on SQLite stores, every link through a {@link LinkProxy}, steady
 * sends between every pair through the HTTP API, and a {@link Nemesis} that kills and restarts nodes on their stores,
 * pauses them (SIGSTOP), resets, stalls, delays and fragments their links and jumps their clocks; then every fault is
 * healed, the stores must converge (nothing PENDING), and {@link StoreChecker} reads every store. The table of the
 * run is printed and written to {@code target/fault-suite.md}, with the nemesis's schedule.
 *
 * <p>System properties: {@code faults.minutes} (how long faults go on; default 1.5), {@code faults.seed} (replays a
 * run's fault plan; default a random one, printed), {@code faults.nodes} (default 3), {@code faults.period.ms} (the
 * gap between two sends of one pair; default 50).
 */
class FaultSuiteIT {

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void everyAcceptedMessageArrivesOnceInOrderThroughKillsPausesResetsStallsDelaysFragmentsAndClockJumps() {
        double minutes = Double.parseDouble(System.getProperty("faults.minutes", "1.5"));
        long seed = Long.getLong("faults.seed", System.nanoTime() ^ 0x5DEECE66DL);
        int n = Integer.getInteger("faults.nodes", 3);
        Duration period = Duration.ofMillis(Long.getLong("faults.period.ms", 50));
        Duration window = Duration.ofMillis((long) (minutes * 60_000));
        System.out.printf("fault suite: %d nodes, %s of faults, seed %d (-Dfaults.seed=%d replays it)%n", n, window, seed, seed);
        Assertions.assertTimeoutPreemptively(window.plusMinutes(6), () -> run(n, seed, window, period), "seed " + seed);
    }

    private void run(int n, long seed, Duration window, Duration period) throws Exception {
        FaultCluster cluster = new FaultCluster(dir, n, seed, List.of());
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        Traffic traffic;
        Nemesis nemesis = new Nemesis(cluster, seed);
        long converged;
        Map<String, Integer> exitCodes = new java.util.TreeMap<>();
        try {
            cluster.start();
            for (ClusterNode node : cluster.nodes()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> allUp(cluster, node, n - 1));
            }
            sampler.scheduleAtFixedRate(() -> cluster.nodes().forEach(ClusterNode::sample), 0, 1, TimeUnit.SECONDS);
            traffic = new Traffic(cluster, period);
            nemesis.start();
            // The run's length is the nemesis's time: its end is a timer, not a guess.
            CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(window.toMillis(), TimeUnit.MILLISECONDS))
                    .get(window.toMillis() + 60_000, TimeUnit.MILLISECONDS);
            traffic.close();
            nemesis.stop();
            long[] zeroSince = {-1};
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() -> {
                long pending = cluster.pending();
                long now = System.nanoTime();
                if (pending > 0) {
                    zeroSince[0] = -1;
                } else if (zeroSince[0] < 0) {
                    zeroSince[0] = now;
                }
                // nothing pending for a second: a request a paused node took late would have shown by then
                return zeroSince[0] >= 0 && now - zeroSince[0] >= TimeUnit.SECONDS.toNanos(1);
            });
            converged = Math.max(0, zeroSince[0] - nemesis.lastHealNanos());
        } finally {
            sampler.shutdownNow();
            cluster.nodes().forEach(ClusterNode::sample);
            cluster.nodes().forEach(node -> exitCodes.put(node.id(), node.stop()));
            cluster.close();
        }

        StoreChecker.Result result = StoreChecker.check(dir, cluster.nodes(), traffic.accepted());
        String report = report(n, seed, window, nemesis, traffic, result, converged, cluster.nodes());
        System.out.println(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fault-suite.md"), report + "\n## Schedule\n\n```\n"
                + String.join("\n", nemesis.log()) + "\n```\n");

        assertThat(exitCodes.values()).as("each stopped gracefully by SIGTERM: %s", exitCodes).containsOnly(143);
        assertThat(result.problems()).as("seed %d; what the stores show", seed).isEmpty();
        assertThat(result.clean()).isTrue();
        assertThat(result.accepted()).as("messages accepted").isGreaterThan(0);
        assertThat(nemesis.counts().values()).as("every kind of fault came up").allSatisfy(c -> assertThat(c).isPositive());
    }

    private static boolean allUp(FaultCluster cluster, ClusterNode node, int peers) {
        return cluster.get(node, "/peers").map(body -> {
            JsonNode all = JarProcess.parse(body);
            int up = 0;
            for (JsonNode p : all) {
                up += "UP".equals(p.path("state").asText()) ? 1 : 0;
            }
            return up == peers;
        }).orElse(false);
    }

    static String report(int n, long seed, Duration window, Nemesis nemesis, Traffic traffic, StoreChecker.Result r,
                         long convergedNanos, List<ClusterNode> nodes) {
        StringBuilder out = new StringBuilder();
        out.append("# Fault suite\n\n");
        out.append(String.format(Locale.ROOT, "%d nodes, %.1f min of faults, seed %d (`-Dfaults.seed=%d` replays it)%n%n",
                n, window.toMillis() / 60_000.0, seed, seed));
        out.append("| fault | count |\n| --- | ---: |\n");
        int total = 0;
        for (Map.Entry<Nemesis.Kind, Integer> e : nemesis.counts().entrySet()) {
            out.append("| ").append(e.getKey().name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(" | ")
                    .append(e.getValue()).append(" |\n");
            total += e.getValue();
        }
        out.append("| **all** | **").append(total).append("** |\n\n");
        out.append("| measure | value |\n| --- | ---: |\n");
        row(out, "sends attempted", traffic.attempts());
        row(out, "accepted (202, stored on the sender)", r.accepted());
        row(out, "refused or unanswered (node down, paused, 503)", traffic.refused());
        row(out, "sent rows in all stores", r.sentRows());
        row(out, "received rows in all stores", r.receivedRows());
        row(out, "lost", r.lost());
        row(out, "duplicated", r.duplicated());
        row(out, "pending after healing", r.pending());
        row(out, "received, never sent", r.phantom());
        row(out, "out of order (FIFO per pair)", r.fifoViolations());
        row(out, "hybrid clock backwards (per sender and peer)", r.clockViolations());
        out.append(String.format(Locale.ROOT, "| converged after the last fault healed | %.1f s |%n", convergedNanos / 1e9));
        for (ClusterNode node : nodes) {
            out.append(String.format(Locale.ROOT, "| peak RSS %s | %d MiB |%n", node.id(), node.peakRssKib() / 1024));
        }
        if (!r.problems().isEmpty()) {
            out.append("\nProblems (first ").append(r.problems().size()).append("):\n\n");
            r.problems().forEach(p -> out.append("- ").append(p).append('\n'));
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String what, long value) {
        out.append(String.format(Locale.ROOT, "| %s | %,d |%n", what, value));
    }
}
