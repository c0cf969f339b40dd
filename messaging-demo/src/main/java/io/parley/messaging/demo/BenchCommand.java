package io.parley.messaging.demo;

import io.parley.messaging.Limits;
import io.parley.messaging.Node;
import io.parley.messaging.Receipt;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Two nodes on loopback send each other {@code --messages} messages at once; the time until every receipt is in
 * is one run. Each run is paired with a baseline run of the same exchange over plain blocking sockets (length
 * prefix, payload, one small ack per message, no store, no protobuf), so the ratio stays meaningful on a noisy
 * machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure a two-node exchange on loopback (in-memory stores) against a raw-socket baseline.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--messages", defaultValue = "10000", description = "Messages each node sends the other per run. Default: ${DEFAULT-VALUE}.")
    int messages;

    @Option(names = "--runs", defaultValue = "5", description = "Measured runs. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--warmup", defaultValue = "10", description = "Unmeasured runs first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--payload", defaultValue = "100", description = "Payload bytes. Default: ${DEFAULT-VALUE}.")
    int payload;

    @Option(names = "--window", defaultValue = "1024", description = "Send window per peer. Default: ${DEFAULT-VALUE}.")
    int window;

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || runs < 1 || warmup < 0 || payload < 0 || window < 1) {
            throw new ParameterException(spec.commandLine(), "--messages, --runs and --window must be positive; --warmup and --payload not negative");
        }
        PrintStream out = System.out;
        Histogram rtt = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long[] parley = new long[runs];
        long[] raw = new long[runs];
        out.printf("bench: %d messages each way, %d-byte payloads, window %d, %d warm-up + %d measured runs%n",
                messages, payload, window, warmup, runs);
        for (int i = -warmup; i < runs; i++) {
            long baseline = RawSocketBaseline.exchange(messages, payload);
            long p = parleyExchange(i >= 0 ? rtt : null);
            if (i >= 0) {
                raw[i] = baseline;
                parley[i] = p;
                out.printf("run %d: parley %7.1f ms   raw sockets %7.1f ms%n", i + 1, p / 1e6, baseline / 1e6);
            }
        }
        long medianParley = median(parley);
        long medianRaw = median(raw);
        out.printf("median: parley %.1f ms (%.0f messages/s acknowledged), raw sockets %.1f ms, ratio %.2f%n",
                medianParley / 1e6, 2.0 * messages / (medianParley / 1e9), medianRaw / 1e6, (double) medianParley / medianRaw);
        out.printf("round trip send->ack (measured runs): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                rtt.getValueAtPercentile(50) / 1e6, rtt.getValueAtPercentile(90) / 1e6,
                rtt.getValueAtPercentile(99) / 1e6, rtt.getMaxValue() / 1e6);
        return 0;
    }

    private long parleyExchange(Histogram rtt) throws Exception {
        Limits limits = Limits.builder().sendWindow(window).maxQueuedPerPeer(Math.max(window, messages)).build();
        try (Node a = Node.builder().id("a").limits(limits).build().start();
             Node b = Node.builder().id("b").limits(limits).peer("a", "127.0.0.1", a.localAddress().getPort()).build().start()) {
            LocalCommand.awaitMesh(List.of(a, b));
            byte[] body = new byte[payload];
            long start = System.nanoTime();
            CompletableFuture<List<CompletableFuture<Receipt>>> fromA = CompletableFuture.supplyAsync(() -> sendAll(a, "b", body));
            List<CompletableFuture<Receipt>> all = new ArrayList<>(sendAll(b, "a", body));
            all.addAll(fromA.get());
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - start;
            if (rtt != null) {
                for (CompletableFuture<Receipt> f : all) {
                    rtt.recordValue(Math.min(f.join().roundTrip().toNanos(), rtt.getHighestTrackableValue()));
                }
            }
            return elapsed;
        }
    }

    private List<CompletableFuture<Receipt>> sendAll(Node from, String to, byte[] body) {
        List<CompletableFuture<Receipt>> out = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            out.add(from.send(to, body));
        }
        return out;
    }

    static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
