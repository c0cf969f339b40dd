package io.parley.messaging.clock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The wall clock a node stamps its messages with, in microseconds since the epoch. Injectable so that tests
 * and demos can run a node whose clock is skewed; it is never used to measure durations (the node uses
 * {@link System#nanoTime()} for those).
 *
 * <p>Implementations must be thread-safe and cheap: the node reads the clock for every message.
 */
@FunctionalInterface
public interface WallClock {

    /** The current time, microseconds since 1970-01-01T00:00:00Z. */
    long nowMicros();

    /** The system clock, at microsecond precision where the platform offers it. */
    static WallClock system() {
        return SystemWallClock.INSTANCE;
    }

    /** A clock that reads {@code base} and adds {@code offset} (negative to run behind). */
    static WallClock offset(WallClock base, Duration offset) {
        Objects.requireNonNull(base, "base");
        long micros = toMicros(Objects.requireNonNull(offset, "offset"));
        return () -> base.nowMicros() + micros;
    }

    /** A clock backed by a {@link java.time.Clock}, for use with fixed or test clocks. */
    static WallClock of(Clock clock) {
        Objects.requireNonNull(clock, "clock");
        return () -> toMicros(clock.instant());
    }

    /** Converts an instant to epoch microseconds, dropping sub-microsecond digits. */
    static long toMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /** Converts a duration to microseconds, dropping sub-microsecond digits. */
    static long toMicros(Duration duration) {
        return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L), duration.getNano() / 1_000);
    }

    /** Converts epoch microseconds to an instant. */
    static Instant toInstant(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
    }
}
