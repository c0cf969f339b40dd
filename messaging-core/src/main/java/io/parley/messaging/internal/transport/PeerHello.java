package io.parley.messaging.internal.transport;

import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Member;
import java.util.List;

/**
 * What the other side said of itself in its Hello or Welcome, validated, and the members it said it is connected
 * to (as sent: the node checks each before using it).
 *
 * @param authenticated whether the handshake proved the other side is {@code nodeId} (see
 *     {@link Session#authenticated()}); the rest is its word either way
 */
public record PeerHello(NodeId nodeId, long incarnation, String advertisedAddress, long sentAtMicros, List<Member> members,
                        boolean authenticated) {

    public PeerHello {
        members = List.copyOf(members);
    }

    /** A Hello or Welcome of a peer the handshake did not authenticate. */
    public PeerHello(NodeId nodeId, long incarnation, String advertisedAddress, long sentAtMicros, List<Member> members) {
        this(nodeId, incarnation, advertisedAddress, sentAtMicros, members, false);
    }

    /** A Hello or Welcome that names no members, of a peer the handshake did not authenticate. */
    public PeerHello(NodeId nodeId, long incarnation, String advertisedAddress, long sentAtMicros) {
        this(nodeId, incarnation, advertisedAddress, sentAtMicros, List.of());
    }

    /** This Hello or Welcome, its sender's identity proved by the handshake. */
    public PeerHello proven() {
        return new PeerHello(nodeId, incarnation, advertisedAddress, sentAtMicros, members, true);
    }
}
