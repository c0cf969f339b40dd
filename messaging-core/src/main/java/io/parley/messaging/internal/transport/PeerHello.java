package io.parley.messaging.internal.transport;

import io.parley.messaging.NodeId;

/** What the other side said of itself in its Hello or Welcome, validated. */
public record PeerHello(NodeId nodeId, long incarnation, String advertisedAddress, long sentAtMicros) {
}
