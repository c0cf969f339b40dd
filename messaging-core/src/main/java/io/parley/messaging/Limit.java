package io.parley.messaging;

/**
 * A bound a node holds against its peers: each one caps something a peer (honest, slow or hostile) could make the
 * node hold, and says what the node does when it is reached. {@link Node#limitsReached()} counts how often each
 * was reached; the sizes are in {@link Limits}.
 */
public enum Limit {
    /**
     * An incoming connection was refused because the node already had {@link Limits#maxConnections()} connections
     * open; it is closed at once, before any byte is read.
     */
    CONNECTIONS,
    /**
     * An incoming connection was refused because its remote address already had
     * {@link Limits#maxConnectionsPerAddress()} connections open; it is closed at once.
     */
    CONNECTIONS_PER_ADDRESS,
    /**
     * An incoming connection was refused because {@link Limits#maxHandshakesInProgress()} connections had not
     * finished their handshake yet; it is closed at once.
     */
    HANDSHAKES_IN_PROGRESS,
    /**
     * A frame of a kind a peer has no reason to flood (Ping, Gossip) came faster than
     * {@link Limits#maxControlFramesPerSecond()} allows on its connection; it was dropped unanswered, and a
     * connection that keeps flooding is closed with {@code CODE_RATE_LIMITED}.
     */
    CONTROL_FRAME_RATE,
    /**
     * A log line a peer could cause was not written, because the same kind of line had been written less than 10 s
     * before; the next one that is written says how many were left out.
     */
    LOG_LINES
}
