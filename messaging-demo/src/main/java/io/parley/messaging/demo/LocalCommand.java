package io.parley.messaging.demo;

import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.Node;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.SqliteMessageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Starts n nodes in this process, connects them all, and has each greet every other. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Start N nodes (n1..nN) on 127.0.0.1 in this process, all connected; each sends every other "
                + "a greeting, and every receipt and delivery is printed with both nodes' clocks.")
final class LocalCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", description = "How many nodes (2 to 26). Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(names = "--base-port", defaultValue = "0",
            description = "Node i listens on base-port + i - 1; 0 lets the system choose. Default: ${DEFAULT-VALUE}.")
    int basePort;

    @Option(names = "--data-dir", defaultValue = "parley-data",
            description = "Directory of the nodes' SQLite stores, one file <id>.db each; created if missing. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--messages", defaultValue = "1", description = "Greetings each node sends each other node. Default: ${DEFAULT-VALUE}.")
    int messages;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || nodes > 26) {
            throw new ParameterException(spec.commandLine(), "--nodes must be between 2 and 26, got " + nodes);
        }
        if (basePort < 0 || basePort + nodes - 1 > 65_535) {
            throw new ParameterException(spec.commandLine(), "--base-port must leave room for " + nodes + " ports below 65536");
        }
        if (messages < 1) {
            throw new ParameterException(spec.commandLine(), "--messages must be at least 1");
        }
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot use data directory " + dataDir + ": " + e.getMessage());
        }
        PrintStream out = spec.commandLine().getOut() == null ? System.out : new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<Node> cluster = new ArrayList<>();
        try {
            for (int i = 1; i <= nodes; i++) {
                String id = "n" + i;
                NodeBuilder b = Node.builder().id(id).listen("127.0.0.1", basePort == 0 ? 0 : basePort + i - 1)
                        .store(SqliteMessageStore.builder(dataDir.resolve(id + ".db")).build())
                        .onMessage(m -> out.printf("[%s] <- %-4s %s  %s%n", id, m.sender(),
                                TIME.format(WallClock.toInstant(m.senderTimeMicros())), m.text()));
                for (Node earlier : cluster) {
                    b.peer(earlier.id().value(), "127.0.0.1", earlier.localAddress().getPort());
                }
                cluster.add(b.build().start());
            }
            out.printf("%d nodes listening: %s; stores in %s%n", nodes, cluster.stream()
                    .map(n -> n.id() + "@" + n.localAddress().getPort()).toList(), dataDir.toAbsolutePath());
            awaitMesh(cluster);

            List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
            for (Node from : cluster) {
                for (Node to : cluster) {
                    if (from == to) {
                        continue;
                    }
                    for (int k = 1; k <= messages; k++) {
                        String text = "hello " + to.id() + ", this is " + from.id() + (messages > 1 ? " #" + k : "");
                        receipts.add(from.send(to.id(), text.getBytes(StandardCharsets.UTF_8)).whenComplete((r, e) -> {
                            if (e == null) {
                                out.printf("[%s] ok %-4s delivered, receiver clock %s, round trip %.2f ms%n", from.id(),
                                        r.peer(), TIME.format(r.receiverTime()), r.roundTrip().toNanos() / 1e6);
                            } else {
                                out.printf("[%s] !! %s%n", from.id(), e.getMessage());
                            }
                        }));
                    }
                }
            }
            CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            out.printf("all %d messages delivered and stored on both sides%n", receipts.size());
            // Clock offsets come from NTP-style samples; the first ones, taken while the JVM warms up, are rough.
            // Two seconds of heartbeats give each link a few more, and the best of them is shown.
            Thread.sleep(2_000);
            for (Node n : cluster) {
                for (PeerInfo p : n.peers()) {
                    out.printf("[%s] peer %-4s %-4s rtt %.2f ms, clock offset %+.2f ms%n", n.id(), p.id(), p.state(),
                            p.roundTrip().toNanos() / 1e6, p.clockOffset().toNanos() / 1e6);
                }
                out.printf("[%s] store holds %d sent and %d received messages%n", n.id(),
                        n.history(HistoryQuery.builder().direction(Direction.SENT).limit(HistoryQuery.MAX_LIMIT).build()).size(),
                        n.history(HistoryQuery.builder().direction(Direction.RECEIVED).limit(HistoryQuery.MAX_LIMIT).build()).size());
            }
            return 0;
        } finally {
            for (Node n : cluster) {
                n.close();
            }
        }
    }

    static void awaitMesh(List<Node> cluster) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            boolean connected = cluster.stream().allMatch(n -> n.peers().size() == cluster.size() - 1
                    && n.peers().stream().allMatch(p -> p.state() == PeerState.UP));
            if (connected) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("nodes did not all connect within 15 s");
            }
            Thread.sleep(20);
        }
    }
}
