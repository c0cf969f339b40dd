package io.parley.messaging.clock;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): physical time from a {@link WallClock} combined with a
 * counter, so that every reading is larger than every reading this node made or received before.
 *
 * <p>Thread-safe. {@link #tick()} is called for every send, {@link #receive(HybridTimestamp)} for every
 * message or ack received. When a peer's clock runs ahead, readings follow the peer's physical time and the
 * counter grows until the local clock catches up; the counter is an {@code int}, which no realistic burst
 * exhausts, and should it ever do so the physical component is moved one microsecond on.
 *
 * <p>A remote reading more than {@link #maxForwardJump()} ahead of the local wall clock is not followed (the
 * reading is taken as for a local event): one peer with a wildly wrong clock, or a hostile one, cannot drag every
 * node's clock into the far future. Such readings are counted ({@link #ignoredReadings()}) and logged, at most once
 * every 10 s. A node sets the jump to its {@code maxClockOffset} (500 ms by default).
 */
public final class HybridLogicalClock {

    /** Default {@link #maxForwardJump()}: one hour, far beyond any skew a working cluster has. */
    public static final Duration DEFAULT_MAX_FORWARD_JUMP = Duration.ofHours(1);

    /** Shortest time between two log lines about readings that were not followed, in microseconds. */
    private static final long LOG_EVERY_MICROS = 10_000_000;

    private static final Logger log = LoggerFactory.getLogger(HybridLogicalClock.class);

    private final WallClock clock;
    private final long maxForwardMicros;
    private long wall;
    private int logical;
    private long ignored;
    private long ignoredAtLastLog;
    private long lastLogMicros = Long.MIN_VALUE;

    /** A clock reading {@code clock} for its physical component, with the default maximum forward jump. */
    public HybridLogicalClock(WallClock clock) {
        this(clock, DEFAULT_MAX_FORWARD_JUMP);
    }

    /**
     * A clock reading {@code clock} for its physical component that follows remote readings at most
     * {@code maxForwardJump} ahead of it.
     */
    public HybridLogicalClock(WallClock clock, Duration maxForwardJump) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxForwardJump.isNegative()) {
            throw new IllegalArgumentException("maxForwardJump must not be negative, got " + maxForwardJump);
        }
        this.maxForwardMicros = WallClock.toMicros(maxForwardJump);
    }

    /** How far ahead of the local wall clock a remote reading may be and still be followed. */
    public Duration maxForwardJump() {
        return Duration.ofNanos(maxForwardMicros * 1_000L);
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

    /**
     * A reading for receiving {@code remote}, larger than both it and every earlier local reading (unless
     * {@code remote} is beyond the maximum forward jump, when it is ignored).
     */
    public synchronized HybridTimestamp receive(HybridTimestamp remote) {
        Objects.requireNonNull(remote, "remote");
        long physical = clock.nowMicros();
        long ahead = remote.wallMicros() - physical; // negative when it overflows, which is far ahead too
        if (remote.wallMicros() > physical && (ahead < 0 || ahead > maxForwardMicros)) {
            ignored(ahead, physical);
            return tick();
        }
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

    /**
     * Moves the clock to at least {@code ownReading}, a reading this node made before (its newest stored message, at
     * a restart), so that every later reading is larger: a node restarted with its wall clock set back goes on from
     * where it was rather than stamping its next messages before its last ones. No forward-jump check: the reading
     * is this node's own. Until the wall clock passes it, readings advance the counter.
     */
    public synchronized void restore(HybridTimestamp ownReading) {
        Objects.requireNonNull(ownReading, "ownReading");
        if (ownReading.wallMicros() > wall || (ownReading.wallMicros() == wall && ownReading.logical() > logical)) {
            wall = ownReading.wallMicros();
            logical = ownReading.logical();
        }
    }

    /** How many remote readings were beyond the maximum forward jump, and not followed. */
    public synchronized long ignoredReadings() {
        return ignored;
    }

    private void ignored(long aheadMicros, long now) {
        ignored++;
        if (lastLogMicros == Long.MIN_VALUE || now - lastLogMicros >= LOG_EVERY_MICROS) {
            log.warn("A remote hybrid clock reading {} ahead of this node's clock was not followed (the most"
                    + " allowed is {} ms); {} such readings since the last report, {} in all",
                    aheadMicros < 0 ? "far" : (aheadMicros / 1000) + " ms", maxForwardMicros / 1000,
                    ignored - ignoredAtLastLog, ignored);
            lastLogMicros = now;
            ignoredAtLastLog = ignored;
        }
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
