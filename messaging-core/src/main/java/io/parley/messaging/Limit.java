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
     * A member was not added because the node already knew {@link Limits#maxMembers()} peers: a member named in
     * gossip, a Hello or a Welcome, or found at a seed or DNS address, was ignored, or a connection from an
     * unknown id was refused with {@code CODE_NOT_ADMITTED}. Configured peers are never refused.
     */
    MEMBERS,
    /**
     * A dial had to wait its turn because {@link Limits#maxConcurrentDials()} outgoing connections were being made
     * already; it is made, in order, as soon as one of them connects or fails.
     */
    CONCURRENT_DIALS,
    /**
     * A Hello, Welcome or Gossip named more than {@link Limits#maxNewMembersPerFrame()} members this node did not
     * know; the rest of them were ignored (counted once per frame).
     */
    NEW_MEMBERS_PER_FRAME,
    /**
     * A frame longer than {@link Limits#maxControlFrameBytes()} that was not one Envelope (a Hello or Gossip of
     * megabytes of members, say) was refused with {@code CODE_FRAME_TOO_LARGE} before it was parsed, and its
     * connection closed.
     */
    CONTROL_FRAME_SIZE,
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
