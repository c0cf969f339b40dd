package io.parley.messaging.demo.cli;

import io.parley.messaging.Node;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.demo.console.ConsoleIo;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.Mesh;
import io.parley.messaging.store.SqliteMessageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** N nodes in this process on 127.0.0.1, all connected, driven from one console. */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run N nodes (n1..nN) in this process, driven from one console.", "",
                "The nodes listen on 127.0.0.1, each with its SQLite store DIR/<id>.db, and are all connected. "
                        + "The prompt shows the node that sends; /use n3 switches to another. When standard input is "
                        + "not a terminal, commands are read from it line by line, and at its end the program waits "
                        + "for every pending receipt."},
        footer = {"", "Try: @n2 hello   /use n3   /all hi everyone   /history   /peers   /help"})
public final class LocalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", paramLabel = "N", description = "How many nodes (2 to 26). Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(names = "--base-port", defaultValue = "0", paramLabel = "P",
            description = "Node i listens on P + i - 1; 0 lets the system choose. Default: ${DEFAULT-VALUE}.")
    int basePort;

    @Option(names = "--data-dir", defaultValue = "parley-data", paramLabel = "DIR",
            description = "Directory of the stores (<id>.db) and the log; created if missing. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--clock-offset", paramLabel = "[ID=]DURATION",
            description = "Run the clock of node ID (or of every node) ahead (5s) or behind (-3s) the machine's; repeatable.")
    List<String> clockOffsets = new ArrayList<>();

    @Option(names = "--greet", description = "Once connected, each node greets every other (the demo of old), then the console opens.")
    boolean greet;

    @Option(names = "--messages", defaultValue = "1", paramLabel = "K",
            description = "With --greet, greetings each node sends each other node. Default: ${DEFAULT-VALUE}.")
    int messages;

    @Mixin
    HostOptions options;

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
        if (options.drainTimeout.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--drain-timeout must not be negative");
        }
        byte[] secret = options.clusterSecret(spec);
        Map<String, Duration> offsets = clockOffsets();
        Path dir = dataDir.toAbsolutePath().normalize();
        NodeCommand.createDirectories(dir);
        Logging.console(options.verbose);
        Logging.toFile(dir, "local");

        HostOptions.Http http = options.http(spec, dir);
        try (ConsoleIo io = ConsoleIo.open(options.json, true, dir.resolve(".parley_history"));
             NodeHost host = new NodeHost(io.sink())) {
            List<DemoNode> started = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                String id = "n" + i;
                Path store = dir.resolve(id + ".db");
                Duration offset = offsets.getOrDefault(id, offsets.getOrDefault("", Duration.ZERO));
                NodeBuilder b = Node.builder().id(id).cluster(options.cluster)
                        .listen("127.0.0.1", basePort == 0 ? 0 : basePort + i - 1)
                        .store(SqliteMessageStore.builder(store).build())
                        .clock(offset.isZero() ? WallClock.system() : WallClock.offset(WallClock.system(), offset));
                if (secret != null) {
                    b.clusterSecret(secret);
                }
                for (DemoNode earlier : started) {
                    b.peer(earlier.id().value(), "127.0.0.1", earlier.node().localAddress().getPort());
                }
                DemoNode node = DemoNode.start(b, store, host.sink());
                started.add(node);
                host.add(node);
            }
            Mesh.await(started.stream().map(DemoNode::node).toList());
            if (http != null) {
                host.serveHttp(http); // once every node knows every other, so no request meets a stranger
            }
            if (greet) {
                greet(started);
            }
            return host.interact(io, options.drainTimeout);
        }
    }

    /** {@code --clock-offset} values by node id; "" for the one that applies to every node. */
    private Map<String, Duration> clockOffsets() {
        Map<String, Duration> offsets = new HashMap<>();
        for (String value : clockOffsets) {
            int eq = value.indexOf('=');
            String id = eq < 0 ? "" : value.substring(0, eq);
            if (!id.isEmpty() && !(id.matches("n[1-9]\\d?") && Integer.parseInt(id.substring(1)) <= nodes)) {
                throw new ParameterException(spec.commandLine(), "--clock-offset " + value + ": '" + id
                        + "' is not one of the nodes n1..n" + nodes);
            }
            try {
                offsets.put(id, Durations.parse(value.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--clock-offset: " + e.getMessage());
            }
        }
        return offsets;
    }

    private void greet(List<DemoNode> cluster) {
        for (DemoNode from : cluster) {
            for (DemoNode to : cluster) {
                if (from == to) {
                    continue;
                }
                for (int k = 1; k <= messages; k++) {
                    NodeId peer = to.id();
                    from.send(peer, "hello " + peer + ", this is " + from.id() + (messages > 1 ? " #" + k : ""));
                }
            }
        }
    }
}
