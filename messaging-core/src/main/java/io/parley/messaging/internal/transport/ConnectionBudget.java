package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.parley.messaging.Limit;
import io.parley.messaging.Limits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's connections, counted against {@link Limits#maxConnections()}, {@link Limits#maxConnectionsPerAddress()}
 * and {@link Limits#maxHandshakesInProgress()}: an accepted connection past any of them is refused before a byte of
 * it is read. Dialled connections count in the total but are never refused here (membership bounds how many peers
 * it dials). Each count is given back when its connection closes, and the handshake's when the handshake ends.
 *
 * <p>Thread-safe: every event loop admits and releases its own connections; the counts are atomic.
 */
final class ConnectionBudget {

    private final Limits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger handshaking = new AtomicInteger();
    private final ConcurrentMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

    ConnectionBudget(Limits limits) {
        this.limits = limits;
    }

    /** Counts a connection this node dialled until it closes. */
    void dialled(Channel ch) {
        open.incrementAndGet();
        ch.closeFuture().addListener(f -> open.decrementAndGet());
    }

    /**
     * Admits an accepted connection, counting it (and its handshake, until {@link #handshakeEnded}) until it closes;
     * or refuses it, counting nothing.
     *
     * @return null if admitted, otherwise the limit that refuses it
     */
    Limit admit(Channel ch) {
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            return Limit.CONNECTIONS;
        }
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (address != null && !takeAddress(address)) {
            open.decrementAndGet();
            return Limit.CONNECTIONS_PER_ADDRESS;
        }
        if (handshaking.incrementAndGet() > limits.maxHandshakesInProgress()) {
            handshaking.decrementAndGet();
            if (address != null) {
                releaseAddress(address);
            }
            open.decrementAndGet();
            return Limit.HANDSHAKES_IN_PROGRESS;
        }
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (address != null) {
                releaseAddress(address);
            }
        });
        return null;
    }

    /** An admitted connection finished its handshake, or closed during it; called once per admitted connection. */
    void handshakeEnded() {
        handshaking.decrementAndGet();
    }

    private boolean takeAddress(InetAddress address) {
        boolean[] taken = {false};
        perAddress.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            if (count >= limits.maxConnectionsPerAddress()) {
                return n;
            }
            taken[0] = true;
            return count + 1;
        });
        return taken[0];
    }

    private void releaseAddress(InetAddress address) {
        perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Connections open now, accepted and dialled. */
    int open() {
        return open.get();
    }

    /** Accepted connections still in their handshake. */
    int handshaking() {
        return handshaking.get();
    }

    /** Remote addresses with at least one accepted connection open. */
    int addresses() {
        return perAddress.size();
    }

    /** What {@code limit} is, in words, for the log line of a refusal. */
    String describe(Limit limit) {
        return switch (limit) {
            case CONNECTIONS -> limits.maxConnections() + " connections are open, the most this node takes";
            case CONNECTIONS_PER_ADDRESS -> limits.maxConnectionsPerAddress()
                    + " connections from that address are open, the most this node takes from one address";
            case HANDSHAKES_IN_PROGRESS -> limits.maxHandshakesInProgress()
                    + " connections are still in their handshake, the most this node takes at once";
            default -> limit.name();
        };
    }
}
