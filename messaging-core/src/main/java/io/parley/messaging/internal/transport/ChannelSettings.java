package io.parley.messaging.internal.transport;

import io.parley.messaging.FailureDetection;
import io.parley.messaging.Limits;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.LimitCounters;
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
 * @param heartbeatInterval time between two Pings this node sends on a connection
 * @param heartbeatTimeout how long nothing may be heard from a peer before its connection is closed
 * @param limits the node's limits: the largest frame accepted, connection caps, frame rates
 * @param failureDetection when the failure detector suspects a silent peer and when it gives up on it
 * @param tls the TLS contexts of every connection, or null for plain TCP
 * @param limitCounters where the pipeline counts each limit it reaches
 * @param secret the cluster secret both sides of every handshake must prove they hold, or null for none
 */
public record ChannelSettings(NodeId self, String cluster, long incarnation, java.util.function.Supplier<String> advertisedAddress, WallClock clock,
                              Duration handshakeTimeout, Duration heartbeatInterval, Duration heartbeatTimeout,
                              Limits limits, FailureDetection failureDetection, TlsContexts tls,
                              LimitCounters limitCounters, ClusterSecret secret) {

    /** The largest frame accepted, {@link Limits#maxFrameBytes()}. */
    public int maxFrameBytes() {
        return limits.maxFrameBytes();
    }
}
