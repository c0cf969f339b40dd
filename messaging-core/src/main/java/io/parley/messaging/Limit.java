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
    LOG_LINES,
    /**
     * A connection became unwritable: more than {@link Limits#writeBufferHighWaterBytes()} waited to be taken by a
     * peer that reads too slowly or not at all. The node stopped reading from it (and sends it nothing but what it
     * already owes) until the waiting bytes fell below {@link Limits#writeBufferLowWaterBytes()}.
     */
    WRITE_BUFFER_FULL,
    /**
     * A connection stayed unwritable for {@link Limits#slowConsumerTimeout()} and was closed with
     * {@code CODE_SLOW_CONSUMER}; what it left unacknowledged goes out again when the peer reconnects.
     */
    SLOW_CONSUMER,
    /**
     * An outbound stream held back its next Envelope because {@link Limits#maxInFlightBytesPerPeer()} payload bytes
     * were sent on the connection and not yet acknowledged; counted once each time the stream starts waiting.
     */
    IN_FLIGHT_BYTES_PER_PEER,
    /**
     * The node held {@link Limits#maxBodyBytesInMemory()} payload bytes of unacknowledged messages: with a store that
     * is not durable a send was refused with {@link BackpressureException}; with a durable one a body was left in
     * the store, to be read back when due.
     */
    BODY_BYTES_IN_MEMORY
}
