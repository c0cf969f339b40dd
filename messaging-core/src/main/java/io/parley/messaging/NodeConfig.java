package io.parley.messaging;

import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.MessageStore;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Everything a {@link Node} is made from, validated and immutable; made by {@link NodeBuilder}. The defaults of
 * each setting are the {@code DEFAULT_*} constants of {@link NodeBuilder}.
 *
 * @param id this node's id
 * @param cluster the cluster name; nodes only talk to nodes of the same cluster
 * @param listenHost host or address the node listens on
 * @param listenPort port it listens on; 0 lets the system choose ({@link Node#localAddress()} tells which)
 * @param advertisedAddress {@code host:port} peers should dial, if not the listen address
 * @param peers peers known from the start, with their ids
 * @param store where messages are kept
 * @param clock the wall clock messages are stamped with
 * @param listener receives incoming messages, if set
 * @param listenerExecutor runs the listener, if set; otherwise a thread of the node's own
 * @param limits sizes enforced
 * @param ioThreads event loop threads
 * @param handshakeTimeout longest a handshake may take
 * @param heartbeatInterval idle time after which a link is pinged
 * @param heartbeatTimeout silence after which a connection is closed
 * @param connectTimeout longest a TCP connect may take
 * @param reconnectMin first delay before redialling a lost peer
 * @param reconnectMax largest delay between redials
 * @param closeTimeout longest {@link Node#close()} waits for unacknowledged messages to be acknowledged
 * @param seeds {@code host:port} addresses to dial without knowing the id of the node there; it is learnt from
 *     the handshake, and every member the seed knows from gossip
 * @param dnsDiscovery DNS names whose addresses are dialled the same way, resolved again periodically
 * @param gossipInterval how often the node tells a few random peers which members it is connected to
 * @param failureDetection the failure detector's settings
 * @param peerListener receives every change of a peer's state, if set
 * @param peerEventExecutor runs the peer listener, if set; otherwise a thread of the node's own
 * @param tls TLS on every connection, if set; otherwise plain TCP
 */
public record NodeConfig(NodeId id, String cluster, String listenHost, int listenPort, Optional<String> advertisedAddress,
                         List<PeerAddress> peers, MessageStore store, WallClock clock, Optional<MessageListener> listener,
                         Optional<Executor> listenerExecutor, Limits limits, int ioThreads, Duration handshakeTimeout,
                         Duration heartbeatInterval, Duration heartbeatTimeout, Duration connectTimeout,
                         Duration reconnectMin, Duration reconnectMax, Duration closeTimeout, List<String> seeds,
                         List<DnsDiscovery> dnsDiscovery, Duration gossipInterval, FailureDetection failureDetection,
                         Optional<PeerListener> peerListener, Optional<Executor> peerEventExecutor, Optional<Tls> tls) {

    /** Copies the lists. */
    public NodeConfig {
        peers = List.copyOf(peers);
        seeds = List.copyOf(seeds);
        dnsDiscovery = List.copyOf(dnsDiscovery);
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
