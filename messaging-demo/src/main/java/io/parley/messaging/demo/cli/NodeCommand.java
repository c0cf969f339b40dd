package io.parley.messaging.demo.cli;

import io.parley.messaging.Node;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.Tls;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.demo.console.ConsoleIo;
import io.parley.messaging.demo.node.DemoException;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.store.SqliteMessageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** One node in this process, for clusters across terminals, machines or containers. */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one node in this process, for clusters across terminals, machines or containers.", "",
                "A console on a terminal, commands from standard input otherwise, or with --headless nothing but "
                        + "the node (and its HTTP API) until SIGTERM or SIGINT. A node restarted on its store sends "
                        + "what it had not delivered."},
        footer = {"", "Example, in three terminals:",
                "  parley node --id n1 --listen 127.0.0.1:7001 --peer n2=127.0.0.1:7002 --peer n3=127.0.0.1:7003",
                "  parley node --id n2 --listen 127.0.0.1:7002 --peer n1=127.0.0.1:7001 --peer n3=127.0.0.1:7003",
                "  parley node --id n3 --listen 127.0.0.1:7003 --peer n1=127.0.0.1:7001 --peer n2=127.0.0.1:7002"})
public final class NodeCommand implements Callable<Integer> {

    /** How often a {@code --dns} name is resolved again, to find nodes that came later. */
    static final Duration DNS_INTERVAL = Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "This node's id: letters, digits, '.', '_', '-'.")
    String id;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", converter = Endpoint.Converter.class,
            description = "Where to listen for peers (port 0: one the system chooses).")
    Endpoint listen;

    @Option(names = "--peer", paramLabel = "ID=HOST:PORT", converter = PeerAddressConverter.class,
            description = "A peer to dial (repeatable). Peers that dial in are learned without it.")
    List<PeerAddress> peers = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "HOST:PORT", converter = Endpoint.Converter.class,
            description = "A node to learn the cluster from (repeatable): dialled, then every member it knows.")
    List<Endpoint> seeds = new ArrayList<>();

    @Option(names = "--dns", paramLabel = "NAME:PORT", converter = Endpoint.Converter.class,
            description = "A DNS name that lists the cluster's nodes (a Compose service, a Kubernetes headless service): "
                    + "every address it resolves to is dialled at PORT, and it is resolved again every 5s (repeatable).")
    List<Endpoint> dns = new ArrayList<>();

    @Option(names = "--db", paramLabel = "FILE", description = "The node's SQLite store. Default: parley-data/ID.db.")
    Path db;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", converter = Endpoint.Converter.class,
            description = "The address peers should dial, when it is not the listen address (NAT, containers).")
    Endpoint advertise;

    @Option(names = "--clock-offset", paramLabel = "DURATION", converter = Durations.class, defaultValue = "0s",
            description = "Run this node's clock ahead (5s) or behind (-3s) the machine's, to see clock offsets.")
    Duration clockOffset;

    @Option(names = "--headless", description = "No console: run until SIGTERM or SIGINT, then shut down gracefully.")
    boolean headless;

    @Mixin
    TlsOptions tlsOptions;

    @Option(names = "--tls-no-client-auth",
            description = "Do not ask nodes that dial in for a certificate (default: both sides show one).")
    boolean tlsNoClientAuth;

    @Mixin
    HostOptions options;

    @Override
    public Integer call() throws Exception {
        NodeId self = validate();
        byte[] secret = options.clusterSecret(spec);
        Path store = (db != null ? db : Path.of("parley-data", self + ".db")).toAbsolutePath().normalize();
        createDirectories(store.getParent());
        Logging.console(options.verbose);
        Logging.toFile(store.getParent(), self.value());

        NodeBuilder builder = Node.builder().id(self).cluster(options.cluster).listen(listen.host(), listen.port())
                .store(SqliteMessageStore.builder(store).build())
                .clock(clockOffset.isZero() ? WallClock.system() : WallClock.offset(WallClock.system(), clockOffset));
        peers.forEach(builder::peer);
        if (advertise != null) {
            builder.advertisedAddress(advertise.toString());
        }
        for (Endpoint seed : seeds) {
            try {
                builder.seed(seed.toString());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--seed " + seed + ": " + e.getMessage());
            }
        }
        dns.forEach(name -> builder.discoverDns(name.host(), name.port(), DNS_INTERVAL));
        Tls tls = tls(self);
        if (tls != null) {
            builder.tls(tls);
        }
        if (secret != null) {
            builder.clusterSecret(secret);
        }

        HostOptions.Http http = options.http(spec, store.getParent());
        try (ConsoleIo io = ConsoleIo.open(options.json, !headless, store.resolveSibling(".parley_history"));
             NodeHost host = new NodeHost(io.sink())) {
            host.add(DemoNode.start(builder, store, host.sink()));
            if (http != null) {
                host.serveHttp(http);
            }
            return host.interact(io, options.drainTimeout);
        }
    }

    /** The TLS settings of the --tls options, checked by loading them; null without them. */
    private Tls tls(NodeId self) {
        if (tlsNoClientAuth && !tlsOptions.given()) {
            throw new ParameterException(spec.commandLine(), "--tls-no-client-auth needs --tls-cert, --tls-key and --tls-ca");
        }
        return tlsOptions.toTls(spec, !tlsNoClientAuth, List.of(self));
    }

    private NodeId validate() {
        NodeId self;
        try {
            self = new NodeId(id);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--id: " + e.getMessage());
        }
        Set<NodeId> seen = new HashSet<>();
        for (PeerAddress p : peers) {
            if (p.id().equals(self)) {
                throw new ParameterException(spec.commandLine(), "--peer " + p + " has this node's own id; name the other nodes");
            }
            if (!seen.add(p.id())) {
                throw new ParameterException(spec.commandLine(), "--peer " + p.id() + " is given twice");
            }
        }
        if (options.drainTimeout.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--drain-timeout must not be negative");
        }
        if (options.cluster.isBlank() || options.cluster.length() > 128) {
            throw new ParameterException(spec.commandLine(), "--cluster must be 1 to 128 characters");
        }
        if (advertise != null && advertise.port() == 0) {
            throw new ParameterException(spec.commandLine(), "--advertise needs the port peers dial, not 0");
        }
        for (Endpoint name : dns) {
            if (name.port() == 0) {
                throw new ParameterException(spec.commandLine(), "--dns " + name + " needs the port the nodes listen on, not 0");
            }
        }
        return self;
    }

    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DemoException("cannot create the data directory " + dir + ": " + e);
        }
    }
}
