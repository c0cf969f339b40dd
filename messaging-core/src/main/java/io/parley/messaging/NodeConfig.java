package io.parley.messaging;

import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Everything a {@link Node} is made from, validated and immutable. Only {@link NodeBuilder} makes one (its
 * constructor is package-private), from the builder's settings, each checked when it was set, and checked here as a
 * whole; {@link Node#config()} and
 * {@link NodeBuilder#config()} hand it out to be read. The defaults of each setting are the {@code DEFAULT_*}
 * constants of {@link NodeBuilder}.
 *
 * <p>The message store is deliberately not among the public accessors: once built, it belongs to the node, which
 * opens, writes and closes it on its own threads, and a caller holding it could write behind the node's back. Read
 * stored messages through {@link Node#history(HistoryQuery)}.
 *
 * <p>Two configs are equal only if they are the same object (the store, listeners and executors they hold have no
 * value equality either).
 */
public final class NodeConfig {

    private final NodeId id;
    private final String cluster;
    private final String listenHost;
    private final int listenPort;
    private final Optional<String> advertisedAddress;
    private final List<PeerAddress> peers;
    private final MessageStore store;
    private final WallClock clock;
    private final Optional<MessageListener> listener;
    private final Optional<Executor> listenerExecutor;
    private final Limits limits;
    private final int ioThreads;
    private final Duration handshakeTimeout;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final Duration connectTimeout;
    private final Duration reconnectMin;
    private final Duration reconnectMax;
    private final Duration closeTimeout;
    private final List<String> seeds;
    private final List<DnsDiscovery> dnsDiscovery;
    private final Duration gossipInterval;
    private final FailureDetection failureDetection;
    private final Optional<PeerListener> peerListener;
    private final Optional<Executor> peerEventExecutor;
    private final Optional<Tls> tls;
    private final Duration maxClockOffset;
    private final Duration forgetUnreachableAfter;
    private final AdmissionPolicy admission;
    private final byte[] clusterSecret;

    /**
     * Reads {@code b}'s settings and checks them as a whole (each was checked alone when set); called by
     * {@link NodeBuilder#config()} only. Copies the lists and the secret.
     *
     * @throws IllegalArgumentException naming the setting, if the id is missing or settings contradict each other
     */
    NodeConfig(NodeBuilder b) {
        if (b.id == null) {
            throw new IllegalArgumentException("node id is required: call id(...)");
        }
        this.id = b.id;
        this.cluster = b.cluster;
        this.listenHost = b.listenHost;
        this.listenPort = b.listenPort;
        this.advertisedAddress = Optional.ofNullable(b.advertisedAddress);
        this.peers = List.copyOf(b.peers);
        this.store = b.store != null ? b.store : new InMemoryMessageStore();
        this.clock = b.clock;
        this.listener = Optional.ofNullable(b.listener);
        this.listenerExecutor = Optional.ofNullable(b.listenerExecutor);
        this.limits = b.limits;
        this.ioThreads = b.ioThreads;
        this.handshakeTimeout = b.handshakeTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.heartbeatTimeout = b.heartbeatTimeout;
        this.connectTimeout = b.connectTimeout;
        this.reconnectMin = b.reconnectMin;
        this.reconnectMax = b.reconnectMax;
        this.closeTimeout = b.closeTimeout;
        this.seeds = List.copyOf(b.seeds);
        this.dnsDiscovery = List.copyOf(b.dnsDiscovery);
        this.gossipInterval = b.gossipInterval;
        this.failureDetection = b.failureDetection;
        this.peerListener = Optional.ofNullable(b.peerListener);
        this.peerEventExecutor = Optional.ofNullable(b.peerEventExecutor);
        this.tls = Optional.ofNullable(b.tls);
        this.maxClockOffset = b.maxClockOffset;
        this.forgetUnreachableAfter = b.forgetUnreachableAfter;
        this.admission = b.admission;
        this.clusterSecret = b.clusterSecret == null ? null : b.clusterSecret.clone();
        checkPeers();
        if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("heartbeat timeout (" + heartbeatTimeout + ") must exceed the interval ("
                    + heartbeatInterval + ")");
        }
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("reconnect max (" + reconnectMax + ") must not be less than min ("
                    + reconnectMin + ")");
        }
    }

    private void checkPeers() {
        Set<NodeId> seen = new HashSet<>();
        for (PeerAddress p : peers) {
            if (p.id().equals(id)) {
                throw new IllegalArgumentException("peer " + p + " has this node's own id '" + id + "'");
            }
            if (!seen.add(p.id())) {
                throw new IllegalArgumentException("peer '" + p.id() + "' is listed twice");
            }
        }
    }

    /** This node's id. */
    public NodeId id() {
        return id;
    }

    /** The cluster name; nodes only talk to nodes of the same cluster. */
    public String cluster() {
        return cluster;
    }

    /** The host or address the node listens on. */
    public String listenHost() {
        return listenHost;
    }

    /** The port it listens on; 0 lets the system choose ({@link Node#localAddress()} tells which). */
    public int listenPort() {
        return listenPort;
    }

    /** The {@code host:port} peers should dial, if not the listen address. */
    public Optional<String> advertisedAddress() {
        return advertisedAddress;
    }

    /** The peers known from the start, with their ids, in the order added. */
    public List<PeerAddress> peers() {
        return peers;
    }

    /** Where messages are kept; for the node only (see the class comment). */
    MessageStore store() {
        return store;
    }

    /** The wall clock messages are stamped with. */
    public WallClock clock() {
        return clock;
    }

    /** The listener that receives incoming messages, if set. */
    public Optional<MessageListener> listener() {
        return listener;
    }

    /** The executor that runs the listener, if set; otherwise a thread of the node's own. */
    public Optional<Executor> listenerExecutor() {
        return listenerExecutor;
    }

    /** The sizes enforced. */
    public Limits limits() {
        return limits;
    }

    /** The number of event loop threads. */
    public int ioThreads() {
        return ioThreads;
    }

    /** The longest a handshake may take. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The idle time after which a link is pinged. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** The silence after which a connection is closed. */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** The longest a TCP connect may take. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The first delay before redialling a lost peer. */
    public Duration reconnectMin() {
        return reconnectMin;
    }

    /** The largest delay between redials. */
    public Duration reconnectMax() {
        return reconnectMax;
    }

    /** The longest {@link Node#close()} waits for unacknowledged messages to be acknowledged. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** The {@code host:port} addresses dialled without knowing the id of the node there (it is learnt from
     * the handshake, and every member the seed knows from gossip). */
    public List<String> seeds() {
        return seeds;
    }

    /** The DNS names whose addresses are dialled as seeds, resolved again periodically. */
    public List<DnsDiscovery> dnsDiscovery() {
        return dnsDiscovery;
    }

    /** How often the node tells a few random peers which members it is connected to. */
    public Duration gossipInterval() {
        return gossipInterval;
    }

    /** The failure detector's settings. */
    public FailureDetection failureDetection() {
        return failureDetection;
    }

    /** The listener that receives every change of a peer's state, if set. */
    public Optional<PeerListener> peerListener() {
        return peerListener;
    }

    /** The executor that runs the peer listener, if set; otherwise a thread of the node's own. */
    public Optional<Executor> peerEventExecutor() {
        return peerEventExecutor;
    }

    /** TLS on every connection, if set; otherwise plain TCP. */
    public Optional<Tls> tls() {
        return tls;
    }

    /** How far ahead of this node's wall clock a peer's hybrid clock reading may be and still be followed. */
    public Duration maxClockOffset() {
        return maxClockOffset;
    }

    /** How long a learnt, unconfigured peer may stay unreachable before the node forgets it. */
    public Duration forgetUnreachableAfter() {
        return forgetUnreachableAfter;
    }

    /** Which nodes are admitted as peers: any of the cluster, or only the configured ones. */
    public AdmissionPolicy admission() {
        return admission;
    }

    /** Whether the node has a cluster secret (see {@link NodeBuilder#clusterSecret}); the secret itself is not handed out. */
    public boolean hasClusterSecret() {
        return clusterSecret != null;
    }

    /** A copy of the cluster secret, for the node only; null without one. */
    byte[] clusterSecret() {
        return clusterSecret == null ? null : clusterSecret.clone();
    }

    /** The id, cluster and listen address, for log lines. */
    @Override
    public String toString() {
        return "NodeConfig[id=" + id + ", cluster=" + cluster + ", listen=" + PeerAddress.HostPort.format(listenHost, listenPort)
                + ", peers=" + peers.size() + ", seeds=" + seeds.size() + ", dnsDiscovery=" + dnsDiscovery.size() + "]";
    }

    /**
     * A DNS name whose addresses are members of the cluster, such as a Compose service or a Kubernetes headless
     * service: every address it resolves to is dialled at {@code port} (except this node's own), and the name is
     * resolved again every {@code interval}, off the network threads.
     *
     * @param name the host name to resolve
     * @param port the port every member listens on
     * @param interval time between resolutions
     */
    public record DnsDiscovery(String name, int port, Duration interval) {

        /**
         * Validates the fields.
         *
         * @throws IllegalArgumentException if the name is blank, the port outside 1..65535 or the interval not positive
         */
        public DnsDiscovery {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(interval, "interval");
            if (name.isBlank()) {
                throw new IllegalArgumentException("DNS discovery name must not be blank");
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("DNS discovery port must be between 1 and 65535, got " + port);
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("DNS discovery interval must be positive, got " + interval);
            }
        }
    }
}
