package io.parley.messaging;

import java.time.Instant;
import java.util.Objects;

/**
 * One change of a peer's state, as delivered to a {@link PeerListener}.
 *
 * @param peer the peer's id
 * @param previous its state before the change
 * @param state its state after the change
 * @param info what this node knew of the peer right after the change
 * @param time when the change happened, by this node's {@link io.parley.messaging.clock.WallClock}
 */
public record PeerEvent(NodeId peer, PeerState previous, PeerState state, PeerInfo info, Instant time) {

    /** Validates the fields. */
    public PeerEvent {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(time, "time");
    }

    @Override
    public String toString() {
        return peer + " " + previous + " → " + state + " at " + time;
    }
}
