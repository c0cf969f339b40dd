package io.parley.messaging.demo.bench;

import io.parley.messaging.BackpressureException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Limits;
import io.parley.messaging.Message;
import io.parley.messaging.Node;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.Tls;
import io.parley.messaging.demo.cli.TlsOptions;
import io.parley.messaging.demo.node.Mesh;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.store.SqliteMessageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Two nodes on loopback send each other {@code --messages} messages at once; the time until every receipt is in
 * is one run. Each run is paired with baselines measured right beside it, so ratios stay meaningful on a noisy
 * machine: the same exchange over plain blocking sockets (length prefix, payload, one small ack per message, no
 * store, no protobuf), and, when the nodes use SQLite stores or TLS, the same exchange on plain in-memory nodes.
 *
 * <p>{@code --backlog N} measures memory instead: one node with a SQLite store queues N messages for a peer that
 * never answers, and the heap it holds afterwards is reported.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure a two-node exchange on loopback against baselines run beside it.", "",
                "With --backlog, measure instead the heap a node holds for messages queued to a dead peer."})
public final class BenchCommand implements Callable<Integer> {

    enum StoreKind { memory, sqlite }

    @Spec
    CommandSpec spec;

    @Option(names = "--messages", defaultValue = "10000", description = "Messages each node sends the other per run. Default: ${DEFAULT-VALUE}.")
    int messages;

    @Option(names = "--runs", defaultValue = "5", description = "Measured runs. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--warmup", defaultValue = "30", description = "Unmeasured runs first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--payload", defaultValue = "100", description = "Payload bytes. Default: ${DEFAULT-VALUE}.")
    int payload;

    @Option(names = "--window", defaultValue = "1024", description = "Send window per peer. Default: ${DEFAULT-VALUE}.")
    int window;

    @Option(names = "--store", defaultValue = "memory", description = "Store of the measured nodes: ${COMPLETION-CANDIDATES}. "
            + "With sqlite, the same exchange on in-memory stores runs beside each run. Default: ${DEFAULT-VALUE}.")
    StoreKind store;

    @Option(names = "--synchronous", defaultValue = "FULL", description = "SQLite synchronous mode: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    SqliteMessageStore.Synchronous synchronous;

    @Option(names = "--backlog", description = "Instead of the exchange: queue this many messages for a dead peer "
            + "on a SQLite store and report the heap held.")
    Integer backlog;

    /** With a certificate that names both bench nodes, a and b: the same exchange without TLS runs beside each run. */
    @Mixin
    TlsOptions tlsOptions;

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || runs < 1 || warmup < 0 || payload < 0 || window < 1 || (backlog != null && backlog < 1)) {
            throw new ParameterException(spec.commandLine(), "--messages, --runs, --window and --backlog must be positive; "
                    + "--warmup and --payload not negative");
        }
        return backlog != null ? backlog(System.out) : exchange(System.out, tls());
    }

    /** The TLS settings of the --tls options, loaded for both nodes to check them; null without them. */
    private Tls tls() {
        return tlsOptions.toTls(spec, true, List.of(NodeId.of("a"), NodeId.of("b")));
    }

    private int exchange(PrintStream out, Tls tls) throws Exception {
        Histogram rtt = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        boolean durable = store == StoreKind.sqlite;
        // The measured nodes differ from plain in-memory ones (by their store, TLS or both): those run beside them.
        boolean paired = durable || tls != null;
        String measuredName = (durable ? "sqlite" : "parley") + (tls != null ? "+tls" : "");
        long[] measured = new long[runs];
        long[] memory = new long[runs];
        long[] raw = new long[runs];
        out.printf("bench: %d messages each way, %d-byte payloads, window %d, %s stores%s%s, %d warm-up + %d measured runs%n",
                messages, payload, window, store, durable ? " (synchronous=" + synchronous + ")" : "",
                tls != null ? ", TLS" : "", warmup, runs);
        Path dir = durable ? Files.createTempDirectory("parley-bench") : null;
        Function<String, MessageStore> measuredStores = durable ? id -> sqlite(dir, id) : id -> new InMemoryMessageStore();
        try {
            for (int i = -warmup; i < runs; i++) {
                Histogram h = i >= 0 ? rtt : null;
                long baseline = RawSocketBaseline.exchange(messages, payload);
                long inMemory;
                long measuredRun;
                if (paired && (i & 1) != 0) { // every other run the measured nodes go first: the order costs either one
                    measuredRun = parleyExchange(measuredStores, h, tls);
                    inMemory = parleyExchange(id -> new InMemoryMessageStore(), null, null);
                } else {
                    inMemory = parleyExchange(id -> new InMemoryMessageStore(), paired ? null : h, null);
                    measuredRun = paired ? parleyExchange(measuredStores, h, tls) : inMemory;
                }
                if (i >= 0) {
                    raw[i] = baseline;
                    memory[i] = inMemory;
                    measured[i] = measuredRun;
                    if (paired) {
                        out.printf("run %d: %s %7.1f ms   in-memory %7.1f ms   raw sockets %7.1f ms%n", i + 1, measuredName,
                                measuredRun / 1e6, inMemory / 1e6, baseline / 1e6);
                    } else {
                        out.printf("run %d: parley %7.1f ms   raw sockets %7.1f ms%n", i + 1, inMemory / 1e6, baseline / 1e6);
                    }
                }
            }
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
        long medianMeasured = median(measured);
        long medianMemory = median(memory);
        long medianRaw = median(raw);
        if (paired) {
            out.printf("median: %s %.1f ms (%.0f messages/s acknowledged), in-memory %.1f ms (%.0f messages/s), "
                            + "%s/in-memory throughput %.0f%%, raw sockets %.1f ms%n",
                    measuredName, medianMeasured / 1e6, rate(medianMeasured), medianMemory / 1e6, rate(medianMemory),
                    measuredName, 100.0 * medianMemory / medianMeasured, medianRaw / 1e6);
        } else {
            out.printf("median: parley %.1f ms (%.0f messages/s acknowledged), raw sockets %.1f ms, ratio %.2f%n",
                    medianMeasured / 1e6, rate(medianMeasured), medianRaw / 1e6, (double) medianMeasured / medianRaw);
        }
        out.printf("round trip send->ack (measured runs%s): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                paired ? ", " + measuredName : "", rtt.getValueAtPercentile(50) / 1e6, rtt.getValueAtPercentile(90) / 1e6,
                rtt.getValueAtPercentile(99) / 1e6, rtt.getMaxValue() / 1e6);
        return 0;
    }

    private double rate(long nanos) {
        return 2.0 * messages / (nanos / 1e9);
    }

    private MessageStore sqlite(Path dir, String id) {
        Path file = dir.resolve(id + "-" + System.nanoTime() + ".db");
        return SqliteMessageStore.builder(file).synchronous(synchronous).build();
    }

    private long parleyExchange(Function<String, MessageStore> stores, Histogram rtt, Tls tls) throws Exception {
        Limits limits = Limits.builder().sendWindow(window).maxQueuedPerPeer(Math.max(window, messages)).build();
        NodeBuilder builderA = Node.builder().id("a").limits(limits).store(stores.apply("a"));
        NodeBuilder builderB = Node.builder().id("b").limits(limits).store(stores.apply("b"));
        if (tls != null) {
            builderA.tls(tls);
            builderB.tls(tls);
        }
        try (Node a = builderA.build().start();
             Node b = builderB.peer("a", "127.0.0.1", a.localAddress().getPort()).build().start()) {
            Mesh.await(List.of(a, b));
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

    /**
     * Queues {@code --backlog} messages for a peer whose address nobody listens on, waits until the store holds
     * them all, and reports the heap held after a full collection, against the heap of the same node before.
     */
    private int backlog(PrintStream out) throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed again: nothing listens there
        }
        Path dir = Files.createTempDirectory("parley-backlog");
        NodeBuilder builder = Node.builder().id("sender").store(SqliteMessageStore.builder(dir.resolve("sender.db"))
                        .synchronous(synchronous).build())
                .limits(Limits.builder().sendWindow(window).build())
                .reconnect(Duration.ofSeconds(1), Duration.ofSeconds(5))
                .peer("dead", "127.0.0.1", deadPort);
        try (Node node = builder.build().start()) {
            long before = heapAfterGc();
            byte[] body = new byte[payload];
            long start = System.nanoTime();
            int refusals = 0;
            for (int i = 0; i < backlog; i++) {
                CompletableFuture<Receipt> f = node.send("dead", body);
                if (f.isCompletedExceptionally() && cause(f) instanceof BackpressureException) {
                    refusals++;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the store is behind: let it write
                    i--;
                }
            }
            long sent = System.nanoTime() - start;
            while (!lastStored(node)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            long stored = System.nanoTime() - start;
            long after = heapAfterGc();
            out.printf("backlog: %d messages of %d bytes queued for a dead peer (SQLite, synchronous=%s, window %d)%n",
                    backlog, payload, synchronous, window);
            out.printf("accepted in %.1f s (%d refusals while the store caught up), all stored after %.1f s (%.0f messages/s)%n",
                    sent / 1e9, refusals, stored / 1e9, backlog / (stored / 1e9));
            out.printf("heap after full GC: %.1f MiB before, %.1f MiB with the backlog: %.1f MiB held, %.1f bytes per queued message%n",
                    before / 1048576.0, after / 1048576.0, (after - before) / 1048576.0, (double) (after - before) / backlog);
            out.printf("store file: %.1f MiB%n", Files.size(dir.resolve("sender.db")) / 1048576.0);
        } finally {
            deleteTree(dir);
        }
        return 0;
    }

    private boolean lastStored(Node node) {
        List<Message> last = node.history(HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST).limit(1).build());
        List<Message> pending = node.history(HistoryQuery.builder().status(DeliveryStatus.PENDING)
                .order(HistoryQuery.Order.NEWEST_FIRST).limit(1).build());
        return !last.isEmpty() && last.get(0).sequence() == backlog && pending.size() == 1;
    }

    private static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
