package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Resume;
import java.util.List;

/**
 * What the pipeline tells the node, and the little it asks of it. Every method is called on the channel's event
 * loop and must return at once without blocking.
 */
public interface SessionEvents {

    /** A peer dialled in and said Hello: admit it as a session, or refuse it. */
    Admission admit(PeerHello hello, Channel channel);

    /**
     * A node this node dialled answered Welcome: confirm the session, or refuse it. On a connection dialled to an
     * address without a known id (a seed), the Welcome is where the id is learnt.
     */
    Admission confirm(PeerHello welcome, Channel channel);

    /**
     * A connection dialled to {@code peer} (null when dialled to an address without a known id) was refused or
     * failed its handshake; {@code code} is the Error code either side sent, {@code CODE_UNSPECIFIED} if none, and
     * {@code reason} is one sentence.
     */
    void dialFailed(NodeId peer, Channel channel, Error.Code code, String reason);

    /** The members this node is connected to, to tell the other side in a Hello or a Welcome. */
    List<Member> members();

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

    /** The peer told which members it is connected to. */
    void gossip(Session session, Gossip gossip);

    /** The failure detector suspects the peer: it has been silent for longer than its heartbeats make likely. */
    void suspected(Session session, String reason);

    /** A suspected peer was heard from again. */
    void recovered(Session session);

    /** The failure detector judged the peer down; its connection is being closed. */
    void unreachable(Session session, String reason);

    /** The peer said Goodbye: it is leaving on purpose. */
    void goodbye(Session session, String reason);

    /** The connection of an established session closed, for whatever reason. */
    void closed(Session session);
}
