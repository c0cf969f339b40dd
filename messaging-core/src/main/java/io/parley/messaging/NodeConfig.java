package io.parley.messaging;

import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.MessageStore;
import java.time.Duration;
import java.util.List;
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
 * @param peers peers known from the start
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
 */
public record NodeConfig(NodeId id, String cluster, String listenHost, int listenPort, Optional<String> advertisedAddress,
                         List<PeerAddress> peers, MessageStore store, WallClock clock, Optional<MessageListener> listener,
                         Optional<Executor> listenerExecutor, Limits limits, int ioThreads, Duration handshakeTimeout,
                         Duration heartbeatInterval, Duration heartbeatTimeout, Duration connectTimeout,
                         Duration reconnectMin, Duration reconnectMax, Duration closeTimeout) {

    /** Copies the peer list. */
    public NodeConfig {
        peers = List.copyOf(peers);
    }
}
