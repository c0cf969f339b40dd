package io.parley.messaging.internal.transport;

import java.util.Objects;

/**
 * Where a node's pipelines report what they see, by role: handshakes and liveness to membership, traffic to
 * delivery.
 */
public record Ports(HandshakeEvents handshake, MembershipEvents membership, TrafficEvents traffic) {

    public Ports {
        Objects.requireNonNull(handshake, "handshake");
        Objects.requireNonNull(membership, "membership");
        Objects.requireNonNull(traffic, "traffic");
    }

    /** One object in every role: for tests. */
    public static <T extends HandshakeEvents & MembershipEvents & TrafficEvents> Ports of(T all) {
        return new Ports(all, all, all);
    }
}
