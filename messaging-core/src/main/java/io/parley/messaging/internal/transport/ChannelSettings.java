package io.parley.messaging.internal.transport;

import io.parley.messaging.NodeId;
import io.parley.messaging.clock.WallClock;
import java.time.Duration;

/**
 * Everything a channel pipeline needs to know about its node.
 *
 * @param self this node's id
 * @param cluster the cluster name both sides must share
 * @param incarnation this node's store incarnation
 * @param advertisedAddress where peers can dial this node, host:port (known once the node is bound)
 * @param clock this node's wall clock
 * @param handshakeTimeout how long a connection may take to complete its handshake
 * @param heartbeatInterval how long a link may stay silent before a Ping is sent
 * @param heartbeatTimeout how long nothing may be heard from a peer before its connection is closed
 * @param maxFrameBytes the largest frame accepted
 */
public record ChannelSettings(NodeId self, String cluster, long incarnation, java.util.function.Supplier<String> advertisedAddress, WallClock clock,
                              Duration handshakeTimeout, Duration heartbeatInterval, Duration heartbeatTimeout,
                              int maxFrameBytes) {
}
