package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Member;
import java.util.List;

/**
 * What the handshake handlers tell membership, and the little they ask of it: who may become a session, which
 * dials failed, and which members to name in a Hello or a Welcome. Every method is called on the channel's event
 * loop and must return at once without blocking.
 */
public interface HandshakeEvents {

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
}
