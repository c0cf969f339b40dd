package io.parley.messaging.clock;

import java.util.Objects;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): physical time from a {@link WallClock} combined with a
 * counter, so that every reading is larger than every reading this node made or received before.
 *
 * <p>Thread-safe. {@link #tick()} is called for every send, {@link #receive(HybridTimestamp)} for every
 * message or ack received. When a peer's clock runs ahead, readings follow the peer's physical time and the
 * counter grows until the local clock catches up; the counter is an {@code int}, which no realistic burst
 * exhausts, and should it ever do so the physical component is moved one microsecond on.
 */
public final class HybridLogicalClock {

    private final WallClock clock;
    private long wall;
    private int logical;

    /** A clock reading {@code clock} for its physical component. */
    public HybridLogicalClock(WallClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A reading for a local or send event. */
    public synchronized HybridTimestamp tick() {
        long physical = clock.nowMicros();
        if (physical > wall) {
            wall = physical;
            logical = 0;
        } else {
            advanceLogical();
        }
        return new HybridTimestamp(wall, logical);
    }

    /** A reading for receiving {@code remote}, larger than both it and every earlier local reading. */
    public synchronized HybridTimestamp receive(HybridTimestamp remote) {
        Objects.requireNonNull(remote, "remote");
        long physical = clock.nowMicros();
        long maxWall = Math.max(Math.max(wall, remote.wallMicros()), physical);
        if (maxWall == wall && maxWall == remote.wallMicros()) {
            logical = Math.max(logical, remote.logical());
            advanceLogical();
        } else if (maxWall == wall) {
            advanceLogical();
        } else if (maxWall == remote.wallMicros()) {
            wall = maxWall;
            logical = remote.logical();
            advanceLogical();
        } else {
            wall = maxWall;
            logical = 0;
        }
        return new HybridTimestamp(wall, logical);
    }

    /** The latest reading, without advancing the clock. */
    public synchronized HybridTimestamp current() {
        return new HybridTimestamp(wall, logical);
    }

    private void advanceLogical() {
        if (logical == Integer.MAX_VALUE) {
            wall++;
            logical = 0;
        } else {
            logical++;
        }
    }
}
