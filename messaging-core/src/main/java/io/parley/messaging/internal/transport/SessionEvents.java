package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Resume;

/**
 * What the pipeline tells the node. Every method is called on the channel's event loop and must return at once
 * without blocking.
 */
public interface SessionEvents {

    /** A peer dialled in and said Hello: admit it as a session, or refuse it. */
    Admission admit(PeerHello hello, Channel channel);

    /** A peer this node dialled answered Welcome: confirm the session, or refuse it. */
    Admission confirm(PeerHello welcome, Channel channel);

    /** A connection dialled to {@code peer} was refused or failed its handshake; {@code reason} is one sentence. */
    void dialFailed(NodeId peer, Channel channel, String reason);

    /** The handshake completed and the session may carry messages (the Welcome is already written). */
    void established(Session session);

    /** The peer's Resume arrived: where the two streams between the pair stand. */
    void resume(Session session, Resume resume);

    /** An Envelope arrived; {@code receivedMicros} is this node's wall clock at its arrival. */
    void envelope(Session session, Envelope envelope, long receivedMicros);

    /** An AckBatch arrived. */
    void acks(Session session, AckBatch batch, long receivedMicros, long receivedNanos);

    /** A Pong arrived; {@code receivedMicros} is this node's wall clock at its arrival. */
    void pong(Session session, Pong pong, long receivedMicros);

    /** The peer said Goodbye: it is leaving on purpose. */
    void goodbye(Session session, String reason);

    /** The connection of an established session closed, for whatever reason. */
    void closed(Session session);
}
