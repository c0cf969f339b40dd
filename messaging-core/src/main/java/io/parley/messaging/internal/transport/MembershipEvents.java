package io.parley.messaging.internal.transport;

import io.parley.messaging.proto.v1.Gossip;

/**
 * What the pipeline tells membership about an established session: liveness (the failure detector's doubts, a
 * Goodbye, the connection closing) and gossip about other members. Every method is called on the channel's event
 * loop and must return at once without blocking.
 */
public interface MembershipEvents {

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
