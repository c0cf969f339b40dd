package io.parley.messaging.internal.transport;

import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Resume;

/**
 * What the pipeline hands delivery straight from the wire, never through membership: the Resume, Envelopes, acks
 * and Pongs (clock samples) of an established session, and its end. Every method is called on the channel's event
 * loop and must return at once without blocking.
 */
public interface TrafficEvents {

    /** The peer's Resume arrived: where the two streams between the pair stand. */
    void resume(Session session, Resume resume);

    /** An Envelope arrived; {@code receivedMicros} is this node's wall clock at its arrival. */
    void envelope(Session session, Envelope envelope, long receivedMicros);

    /** An AckBatch arrived. */
    void acks(Session session, AckBatch batch, long receivedMicros, long receivedNanos);

    /** A Pong arrived; {@code receivedMicros} is this node's wall clock at its arrival. */
    void pong(Session session, Pong pong, long receivedMicros);

    /**
     * The connection of {@code session} is writable again after it was not: what waited for room on it (its
     * stream's Envelopes) may go on.
     */
    void writable(Session session);

    /** The connection of an established session closed: what delivery remembers of it goes. */
    void sessionEnded(Session session);
}
