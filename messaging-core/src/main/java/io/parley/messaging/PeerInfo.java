package io.parley.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of what this node knows about one peer.
 *
 * @param id the peer's node id
 * @param address where it is dialled, {@code host:port}; empty if it only ever dialled in without advertising one
 * @param state whether a connection to it is up
 * @param lastSeen when a frame last arrived from it (this node's clock), or {@link Instant#EPOCH} if never
 * @param roundTrip best recent round trip to it, zero before the first measurement
 * @param clockOffset its wall clock minus this node's, estimated from acks and pongs; zero before the first
 * @param lastError the last reason a connection to it failed or was refused, if any
 */
public record PeerInfo(NodeId id, Optional<String> address, PeerState state, Instant lastSeen,
                       Duration roundTrip, Duration clockOffset, Optional<String> lastError) {
}
