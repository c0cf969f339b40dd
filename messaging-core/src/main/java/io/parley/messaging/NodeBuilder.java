package io.parley.messaging;

import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.MessageStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Builds a {@link Node}. Only {@link #id} is required; every other setting has a default, named by a
 * {@code DEFAULT_*} constant. Settings are checked when set and again, as a whole, by {@link #build()}, each
 * failure an {@link IllegalArgumentException} that names the setting.
 *
 * <pre>{@code
 * Node node = Node.builder()
 *         .id("n1")
 *         .listen("127.0.0.1", 7001)
 *         .peer("n2=127.0.0.1:7002")
 *         .onMessage(m -> System.out.println(m.sender() + ": " + m.text()))
 *         .build();
 * }</pre>
 */
public final class NodeBuilder {

    /** Default cluster name. */
    public static final String DEFAULT_CLUSTER = "parley";
    /** Default listen host: loopback only. */
    public static final String DEFAULT_LISTEN_HOST = "127.0.0.1";
    /** Default listen port: 0, chosen by the system. */
    public static final int DEFAULT_LISTEN_PORT = 0;
    /** Default number of event loop threads. */
    public static final int DEFAULT_IO_THREADS = 2;
    /** Default handshake timeout. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** Default heartbeat interval. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /** Default heartbeat timeout. */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);
    /** Default TCP connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** Default first reconnect delay. */
    public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofMillis(100);
    /** Default largest reconnect delay. */
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(5);
    /** Default time {@link Node#close()} waits for outstanding acknowledgements. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Default {@link #maxClockOffset}: 500 ms, CockroachDB's default maximum offset, well above the skew of clocks
     * kept by NTP.
     */
    public static final Duration DEFAULT_MAX_CLOCK_OFFSET = Duration.ofMillis(500);
    /** Default time between two rounds of gossip. */
    public static final Duration DEFAULT_GOSSIP_INTERVAL = Duration.ofSeconds(1);
    /**
     * Default {@link #forgetUnreachableAfter}: 5 minutes, sixty times the longest reconnect delay and longer than a
     * node takes to restart or be rescheduled, yet short enough that members a flood of gossip made up are gone
     * within minutes.
     */
    public static final Duration DEFAULT_FORGET_UNREACHABLE_AFTER = Duration.ofMinutes(5);

    /** The fewest bytes a {@link #clusterSecret} may have. */
    public static final int MIN_CLUSTER_SECRET_BYTES = 16;

    // The settings, read by NodeConfig(NodeBuilder); a builder belongs to the thread that fills it in.
    NodeId id;
    String cluster = DEFAULT_CLUSTER;
    String listenHost = DEFAULT_LISTEN_HOST;
    int listenPort = DEFAULT_LISTEN_PORT;
    String advertisedAddress;
    final List<PeerAddress> peers = new ArrayList<>();
    MessageStore store;
    WallClock clock = WallClock.system();
    MessageListener listener;
    Executor listenerExecutor;
    Limits limits = Limits.DEFAULT;
    int ioThreads = DEFAULT_IO_THREADS;
    Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    Duration heartbeatTimeout = DEFAULT_HEARTBEAT_TIMEOUT;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration reconnectMin = DEFAULT_RECONNECT_MIN;
    Duration reconnectMax = DEFAULT_RECONNECT_MAX;
    Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    final List<String> seeds = new ArrayList<>();
    final List<NodeConfig.DnsDiscovery> dnsDiscovery = new ArrayList<>();
    Duration gossipInterval = DEFAULT_GOSSIP_INTERVAL;
    FailureDetection failureDetection = FailureDetection.DEFAULT;
    PeerListener peerListener;
    Executor peerEventExecutor;
    Tls tls;
    Duration maxClockOffset = DEFAULT_MAX_CLOCK_OFFSET;
    Duration forgetUnreachableAfter = DEFAULT_FORGET_UNREACHABLE_AFTER;
    AdmissionPolicy admission = AdmissionPolicy.OPEN;
    byte[] clusterSecret;

    NodeBuilder() {
    }

    /** This node's id (required): 1 to 64 letters, digits, '.', '_' or '-'. */
    public NodeBuilder id(String id) {
        return id(new NodeId(id));
    }

    /** This node's id (required). */
    public NodeBuilder id(NodeId id) {
        this.id = Objects.requireNonNull(id, "id");
        return this;
    }

    /** The cluster name (default {@value #DEFAULT_CLUSTER}); a node refuses nodes of other clusters. */
    public NodeBuilder cluster(String cluster) {
        Objects.requireNonNull(cluster, "cluster");
        if (cluster.isBlank() || cluster.length() > 128) {
            throw new IllegalArgumentException("cluster name must be 1 to 128 characters and not blank, got '" + cluster + "'");
        }
        this.cluster = cluster;
        return this;
    }

    /** Where to listen (default 127.0.0.1, port 0 = chosen by the system). */
    public NodeBuilder listen(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("listen port must be between 0 and 65535, got " + port);
        }
        this.listenHost = host;
        this.listenPort = port;
        return this;
    }

    /** Where to listen, as {@code host:port}. */
    public NodeBuilder listen(String hostPort) {
        PeerAddress.HostPort hp = PeerAddress.HostPort.parse(hostPort, "listen address");
        return listen(hp.host(), hp.port());
    }

    /**
     * The {@code host:port} peers should dial to reach this node, when it differs from the listen address
     * (behind NAT, in a container, or when listening on a wildcard address). Default: the listen host and the
     * bound port.
     */
    public NodeBuilder advertisedAddress(String hostPort) {
        PeerAddress.HostPort.parse(hostPort, "advertised address");
        this.advertisedAddress = hostPort;
        return this;
    }

    /** Adds a peer to dial. */
    public NodeBuilder peer(PeerAddress peer) {
        peers.add(Objects.requireNonNull(peer, "peer"));
        return this;
    }

    /**
     * Adds a seed: the {@code host:port} of a node of the cluster whose id this node need not know. The node dials
     * it, learns its id from the handshake and, from it and then from every peer, the other members of the cluster
     * (gossip), and dials them all. One reachable seed is enough; a seed that is this node's own address is
     * recognised and not dialled again.
     *
     * @throws IllegalArgumentException if the address is not {@code host:port} with a port from 1 to 65535
     */
    public NodeBuilder seed(String hostPort) {
        PeerAddress.HostPort hp = PeerAddress.HostPort.parse(Objects.requireNonNull(hostPort, "seed"), "seed");
        if (hp.port() == 0) {
            throw new IllegalArgumentException("seed '" + hostPort + "': port must be between 1 and 65535");
        }
        seeds.add(PeerAddress.HostPort.format(hp.host(), hp.port()));
        return this;
    }

    /**
     * Discovers members through a DNS name that resolves to many addresses (a Compose service, a Kubernetes
     * headless service): every address is dialled at {@code port} as a {@link #seed}, and the name is resolved
     * again every {@code interval} (on a thread of its own, never a network thread), so members that appear later
     * are found too. This node's own address among them is recognised and skipped.
     *
     * @throws IllegalArgumentException if the name is blank, the port outside 1..65535 or the interval not positive
     */
    public NodeBuilder discoverDns(String name, int port, Duration interval) {
        dnsDiscovery.add(new NodeConfig.DnsDiscovery(name, port, interval));
        return this;
    }

    /**
     * Time between rounds of gossip (default 1 s): each round the node sends the members it is connected to to
     * three peers chosen at random. Handshakes carry the same list, so most members are learnt at once; the rounds
     * repair what a race between handshakes left out.
     */
    public NodeBuilder gossipInterval(Duration interval) {
        this.gossipInterval = positive("gossipInterval", interval);
        return this;
    }

    /**
     * How long a peer that was learnt, not configured (found through gossip, a seed, a DNS name, or by dialling in),
     * may stay unreachable (DOWN or LEFT, or never UP) before the node forgets it (default 5 minutes,
     * {@link #DEFAULT_FORGET_UNREACHABLE_AFTER}): it stops dialling it, drops it from {@link Node#peers()} and
     * reports it {@link PeerState#FORGOTTEN}. A peer with messages still waiting for it is kept until they are
     * delivered or expire. For twice this time afterwards gossip does not bring it back; its own connection does.
     * Configured peers are never forgotten.
     *
     * @throws IllegalArgumentException if {@code after} is not positive
     */
    public NodeBuilder forgetUnreachableAfter(Duration after) {
        this.forgetUnreachableAfter = positive("forgetUnreachableAfter", after);
        return this;
    }

    /**
     * Which nodes are admitted as peers (default {@link AdmissionPolicy#OPEN}): with
     * {@link AdmissionPolicy#CONFIGURED_ONLY} only the configured peers, for a closed cluster.
     */
    public NodeBuilder admission(AdmissionPolicy policy) {
        this.admission = Objects.requireNonNull(policy, "admission");
        return this;
    }

    /**
     * TLS on every connection this node dials or accepts (default: none, plain TCP), with certificates that name
     * node ids: see {@link Tls}. All nodes of a cluster must agree: a node with TLS and one without cannot talk.
     * {@link #build()} loads the key material.
     */
    public NodeBuilder tls(Tls settings) {
        this.tls = Objects.requireNonNull(settings, "tls");
        return this;
    }

    /**
     * A secret every node of the cluster holds (default: none). With it, each handshake proves both ways that the
     * other node holds the same secret (an HMAC-SHA256 challenge and response over fresh nonces of both sides), so a
     * node without it can neither join, nor take the id of a node that is down and the messages queued for it, nor
     * replay a connected node's Hello. It authenticates; it does not encrypt (use {@link #tls} for that; the two
     * combine). All nodes of a cluster must agree: a node with a secret and one without cannot talk.
     *
     * @param secret at least {@value #MIN_CLUSTER_SECRET_BYTES} bytes, best random; copied, and never logged
     * @throws IllegalArgumentException if it is shorter
     */
    public NodeBuilder clusterSecret(byte[] secret) {
        Objects.requireNonNull(secret, "clusterSecret");
        if (secret.length < MIN_CLUSTER_SECRET_BYTES) {
            throw new IllegalArgumentException("cluster secret must be at least " + MIN_CLUSTER_SECRET_BYTES
                    + " bytes, got " + secret.length + "; use random bytes, e.g. from 'openssl rand -base64 32'");
        }
        this.clusterSecret = secret.clone();
        return this;
    }

    /** The failure detector's settings (default {@link FailureDetection#DEFAULT}). */
    public NodeBuilder failureDetection(FailureDetection settings) {
        this.failureDetection = Objects.requireNonNull(settings, "failureDetection");
        return this;
    }

    /** Receives every change of a peer's state: UP, SUSPECT, DOWN, LEFT (default: none). */
    public NodeBuilder onPeerEvent(PeerListener listener) {
        this.peerListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Runs the peer listener (default: one thread of the node's own, made only if a listener is set). Calls are
     * made one at a time and in order whatever the executor; the node does not shut a supplied executor down. Events
     * waiting when the executor refuses work are dropped, with an ERROR logged.
     */
    public NodeBuilder peerEventExecutor(Executor executor) {
        this.peerEventExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** Adds a peer to dial, written {@code id=host:port}. */
    public NodeBuilder peer(String idEqualsHostPort) {
        return peer(PeerAddress.parse(idEqualsHostPort));
    }

    /** Adds a peer to dial. */
    public NodeBuilder peer(String id, String host, int port) {
        return peer(new PeerAddress(new NodeId(id), host, port));
    }

    /** Where messages are kept (default: a new {@link io.parley.messaging.store.InMemoryMessageStore}). The node closes it on close. */
    public NodeBuilder store(MessageStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return this;
    }

    /** The wall clock messages are stamped with (default {@link WallClock#system()}). */
    public NodeBuilder clock(WallClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * How far ahead of this node's wall clock a peer's hybrid clock reading may be and still advance this node's
     * hybrid clock (default 500 ms, {@link #DEFAULT_MAX_CLOCK_OFFSET}; CockroachDB's {@code max-offset}). A message
     * or acknowledgement stamped further ahead is still stored and acknowledged, with the sender's readings as
     * they came, but this node's hybrid clock takes it as a local event: a peer whose clock runs far ahead, or lies,
     * cannot drag this node's clock (and every later message) into the future. Each such reading is counted
     * ({@link Node#ignoredClockReadings()}) and logged, at most once every 10 s; the peer's clock offset in
     * {@link Node#peers()} shows how far ahead it is. Set it above the worst skew between the cluster's clocks.
     *
     * @throws IllegalArgumentException if {@code offset} is not positive
     */
    public NodeBuilder maxClockOffset(Duration offset) {
        this.maxClockOffset = positive("maxClockOffset", offset);
        return this;
    }

    /** Receives the messages sent to this node (default: none; they are still stored and acknowledged). */
    public NodeBuilder onMessage(MessageListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Runs the message listener (default: one thread of the node's own). Calls are made one at a time and in
     * order whatever the executor; the node does not shut a supplied executor down. An executor that refuses work
     * (shut down, or saturated and rejecting) loses the listener the messages waiting then: they stay stored
     * ({@link Node#history} finds them), an ERROR is logged, and the node goes on reading from its peers.
     */
    public NodeBuilder listenerExecutor(Executor executor) {
        this.listenerExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** Sizes enforced (default {@link Limits#DEFAULT}). */
    public NodeBuilder limits(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    /** Event loop threads (default {@value #DEFAULT_IO_THREADS}). */
    public NodeBuilder ioThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("ioThreads must be at least 1, got " + threads);
        }
        this.ioThreads = threads;
        return this;
    }

    /** Longest a connection may take to complete its handshake (default 5 s). */
    public NodeBuilder handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = positive("handshakeTimeout", timeout);
        return this;
    }

    /**
     * How long a link may be idle before a Ping is sent (default 1 s), and how long nothing at all may be heard
     * before the connection is closed as dead (default 5 s; must exceed the interval).
     */
    public NodeBuilder heartbeat(Duration interval, Duration timeout) {
        this.heartbeatInterval = positive("heartbeat interval", interval);
        this.heartbeatTimeout = positive("heartbeat timeout", timeout);
        return this;
    }

    /** Longest a TCP connect may take (default 3 s). */
    public NodeBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = positive("connectTimeout", timeout);
        return this;
    }

    /**
     * Redial delays: the first retry after {@code min}, doubling with each failure to at most {@code max}, each
     * less a random share of up to half of it (default 100 ms to 5 s). The jitter keeps nodes that lost each other
     * at once from redialling in lockstep.
     */
    public NodeBuilder reconnect(Duration min, Duration max) {
        this.reconnectMin = positive("reconnect min", min);
        this.reconnectMax = positive("reconnect max", max);
        return this;
    }

    /** Longest {@link Node#close()} waits for unacknowledged messages to be acknowledged (default 5 s). */
    public NodeBuilder closeTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "closeTimeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, got " + timeout);
        }
        this.closeTimeout = timeout;
        return this;
    }

    /**
     * The validated configuration.
     *
     * @throws IllegalArgumentException if the id is missing or settings contradict each other (a peer with this
     *     node's id or listed twice, a heartbeat timeout not above its interval, a reconnect max below its min)
     */
    public NodeConfig config() {
        return new NodeConfig(this);
    }

    /**
     * A node made from these settings, not yet started.
     *
     * @throws IllegalArgumentException if a setting is invalid, or the TLS key material cannot be loaded
     */
    public Node build() {
        return new Node(config());
    }

    private static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }
}
