package io.parley.messaging.internal.transport;

import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Member;
import java.util.List;

/**
 * What the other side said of itself in its Hello or Welcome, validated, and the members it said it is connected
 * to (as sent: the node checks each before using it).
 */
public record PeerHello(NodeId nodeId, long incarnation, String advertisedAddress, long sentAtMicros, List<Member> members) {

    public PeerHello {
        members = List.copyOf(members);
    }

    /** A Hello or Welcome that names no members. */
    public PeerHello(NodeId nodeId, long incarnation, String advertisedAddress, long sentAtMicros) {
        this(nodeId, incarnation, advertisedAddress, sentAtMicros, List.of());
    }
}
