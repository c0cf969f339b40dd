package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: three node processes of the demo jar on SQLite stores send each other messages at a steady rate through
 * their HTTP APIs for {@code soak.minutes} (default 1), and each node is sampled at regular intervals: heap in use
 * after a full collection ({@code jcmd PID GC.run}, then the node's {@code jvm_memory_used_bytes{area="heap"}}),
 * resident memory ({@code VmRSS}), open descriptors ({@code /proc/PID/fd}) and threads. Over the last two thirds of
 * the run (the first third is warm-up: JIT, caches, pools) each must be flat: heap after GC within
 * {@value #HEAP_RANGE_MIB} MiB from lowest to highest and its trend rising less than {@value #HEAP_DRIFT_MIB} MiB
 * across that span, resident memory within {@value #RSS_RANGE_MIB} MiB, descriptors within {@value #FD_RANGE},
 * threads within {@value #THREAD_RANGE}. The series and the verdict are printed and written to {@code target/soak.md}.
 *
 * <p>System properties: {@code soak.minutes} (default 1), {@code soak.period.ms} (the gap between two sends of one
 * pair; default 100, about 60 messages a second in all).
 */
class SoakIT {

    static final int HEAP_RANGE_MIB = 16;
    static final int HEAP_DRIFT_MIB = 8;
    static final int RSS_RANGE_MIB = 48;
    static final int FD_RANGE = 8;
    static final int THREAD_RANGE = 4;

    /** One reading of one node. */
    record Sample(double seconds, String node, double heapMib, double rssMib, long descriptors, long threads) {
    }

    @TempDir
    Path dir;

    @Test
    void heapAfterGcResidentMemoryDescriptorsAndThreadsStayFlatUnderSteadyTraffic() {
        double minutes = Double.parseDouble(System.getProperty("soak.minutes", "1"));
        Duration length = Duration.ofMillis((long) (minutes * 60_000));
        Duration period = Duration.ofMillis(Long.getLong("soak.period.ms", 100));
        Duration every = Duration.ofMillis(Math.max(5_000, length.toMillis() / 30));
        Assertions.assertTimeoutPreemptively(length.plusMinutes(3), () -> run(length, period, every));
    }

    private void run(Duration length, Duration period, Duration every) throws Exception {
        List<Sample> samples = new ArrayList<>();
        long accepted;
        long attempts;
        FaultCluster cluster = new FaultCluster(dir, 3, 0, List.of());
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try {
            cluster.start();
            for (ClusterNode node : cluster.nodes()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> cluster.get(node, "/peers")
                        .map(body -> countUp(JarProcess.parse(body)) == 2).orElse(false));
            }
            long start = System.nanoTime();
            try (Traffic traffic = new Traffic(cluster, period)) {
                sampler.scheduleAtFixedRate(() -> {
                    double t = (System.nanoTime() - start) / 1e9;
                    for (ClusterNode node : cluster.nodes()) {
                        Sample s = sample(cluster, node, t);
                        synchronized (samples) {
                            samples.add(s);
                        }
                    }
                }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
                CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(length.toMillis(), TimeUnit.MILLISECONDS))
                        .get(length.toMillis() + 60_000, TimeUnit.MILLISECONDS);
                sampler.shutdown();
                sampler.awaitTermination(60, TimeUnit.SECONDS);
                traffic.close();
                accepted = traffic.accepted().size();
                attempts = traffic.attempts();
            }
        } finally {
            sampler.shutdownNow();
            cluster.close();
        }

        List<Sample> all;
        synchronized (samples) {
            all = List.copyOf(samples);
        }
        String report = report(all, length, accepted, attempts);
        System.out.println(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "soak.md"), report);

        assertThat(accepted).as("messages accepted").isPositive();
        double from = length.toMillis() / 1000.0 / 3;
        for (ClusterNode node : cluster.nodes()) {
            List<Sample> steady = all.stream().filter(s -> s.node().equals(node.id()) && s.seconds() >= from).toList();
            assertThat(steady).as("samples of %s after warm-up", node.id()).hasSizeGreaterThanOrEqualTo(4)
                    .allSatisfy(s -> assertThat(s.heapMib()).as("heap read").isPositive());
            assertThat(range(steady, Sample::heapMib)).as("%s heap after GC, max - min (MiB)", node.id()).isLessThanOrEqualTo(HEAP_RANGE_MIB);
            assertThat(drift(steady, Sample::heapMib)).as("%s heap after GC, trend across the span (MiB)", node.id())
                    .isLessThanOrEqualTo(HEAP_DRIFT_MIB);
            assertThat(range(steady, Sample::rssMib)).as("%s RSS, max - min (MiB)", node.id()).isLessThanOrEqualTo(RSS_RANGE_MIB);
            assertThat(range(steady, s -> s.descriptors())).as("%s descriptors, max - min", node.id()).isLessThanOrEqualTo(FD_RANGE);
            assertThat(range(steady, s -> s.threads())).as("%s threads, max - min", node.id()).isLessThanOrEqualTo(THREAD_RANGE);
        }
    }

    /** Forces a full collection in the node, then reads its heap in use, and /proc. */
    private static Sample sample(FaultCluster cluster, ClusterNode node, double seconds) {
        double heap = -1;
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(node.pid()), "GC.run").redirectErrorStream(true).start();
            jcmd.getInputStream().readAllBytes();
            if (jcmd.waitFor(30, TimeUnit.SECONDS) && jcmd.exitValue() == 0) {
                heap = cluster.get(node, "/metrics").map(SoakIT::heapBytes).orElse(-1.0) / (1024 * 1024);
            }
        } catch (IOException e) {
            // no reading this time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ProcStats p = node.sample();
        return new Sample(seconds, node.id(), heap, p.rssKib() / 1024.0, p.descriptors(), p.threads());
    }

    /** The sum of {@code jvm_memory_used_bytes} over the heap's pools, from a Prometheus exposition. */
    static double heapBytes(String metrics) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static int countUp(JsonNode peers) {
        int up = 0;
        for (JsonNode p : peers) {
            up += "UP".equals(p.path("state").asText()) ? 1 : 0;
        }
        return up;
    }

    static double range(List<Sample> samples, ToDoubleFunction<Sample> value) {
        double min = samples.stream().mapToDouble(value).min().orElse(0);
        double max = samples.stream().mapToDouble(value).max().orElse(0);
        return max - min;
    }

    /** The least-squares slope of {@code value} over time, times the span of the samples: how much the trend rose. */
    static double drift(List<Sample> samples, ToDoubleFunction<Sample> value) {
        int n = samples.size();
        double mt = samples.stream().mapToDouble(Sample::seconds).average().orElse(0);
        double mv = samples.stream().mapToDouble(value).average().orElse(0);
        double cov = 0;
        double var = 0;
        for (Sample s : samples) {
            cov += (s.seconds() - mt) * (value.applyAsDouble(s) - mv);
            var += (s.seconds() - mt) * (s.seconds() - mt);
        }
        if (n < 2 || var == 0) {
            return 0;
        }
        double span = samples.get(n - 1).seconds() - samples.get(0).seconds();
        return cov / var * span;
    }

    private static String report(List<Sample> all, Duration length, long accepted, long attempts) {
        StringBuilder out = new StringBuilder("# Soak\n\n");
        out.append(String.format(Locale.ROOT, "3 nodes, %.1f min, %,d messages accepted of %,d sent (%.0f a second)%n%n",
                length.toMillis() / 60_000.0, accepted, attempts, accepted / (length.toMillis() / 1000.0)));
        Map<Double, List<Sample>> byTime = new TreeMap<>();
        all.forEach(s -> byTime.computeIfAbsent(Math.rint(s.seconds()), t -> new ArrayList<>()).add(s));
        out.append("| t (s) | node | heap after GC (MiB) | RSS (MiB) | descriptors | threads |\n| ---: | --- | ---: | ---: | ---: | ---: |\n");
        byTime.forEach((t, samples) -> samples.forEach(s -> out.append(String.format(Locale.ROOT, "| %.0f | %s | %.1f | %.1f | %d | %d |%n",
                t, s.node(), s.heapMib(), s.rssMib(), s.descriptors(), s.threads()))));
        double from = length.toMillis() / 1000.0 / 3;
        out.append(String.format(Locale.ROOT, "%nOver the last two thirds (from %.0f s); bounds: heap range %d MiB, heap trend %d MiB, "
                + "RSS range %d MiB, descriptors %d, threads %d%n%n", from, HEAP_RANGE_MIB, HEAP_DRIFT_MIB, RSS_RANGE_MIB, FD_RANGE, THREAD_RANGE));
        out.append("| node | heap after GC min–max (MiB) | heap trend across it (MiB) | RSS min–max (MiB) | descriptors min–max | threads min–max | flat |\n"
                + "| --- | --- | ---: | --- | --- | --- | --- |\n");
        all.stream().map(Sample::node).distinct().sorted().forEach(node -> {
            List<Sample> steady = all.stream().filter(s -> s.node().equals(node) && s.seconds() >= from).toList();
            boolean flat = range(steady, Sample::heapMib) <= HEAP_RANGE_MIB && drift(steady, Sample::heapMib) <= HEAP_DRIFT_MIB
                    && range(steady, Sample::rssMib) <= RSS_RANGE_MIB && range(steady, s -> s.descriptors()) <= FD_RANGE
                    && range(steady, s -> s.threads()) <= THREAD_RANGE;
            out.append(String.format(Locale.ROOT, "| %s | %s | %+.1f | %s | %s | %s | %s |%n", node, minMax(steady, Sample::heapMib, "%.1f"),
                    drift(steady, Sample::heapMib), minMax(steady, Sample::rssMib, "%.0f"), minMax(steady, s -> s.descriptors(), "%.0f"),
                    minMax(steady, s -> s.threads(), "%.0f"), flat ? "yes" : "**no**"));
        });
        return out.toString();
    }

    private static String minMax(List<Sample> samples, ToDoubleFunction<Sample> value, String format) {
        return String.format(Locale.ROOT, format + "–" + format, samples.stream().mapToDouble(value).min().orElse(0),
                samples.stream().mapToDouble(value).max().orElse(0));
    }
}
