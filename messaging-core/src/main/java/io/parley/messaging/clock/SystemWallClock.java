package io.parley.messaging.clock;

import java.time.Clock;

/** {@link WallClock#system()}. */
final class SystemWallClock implements WallClock {

    static final SystemWallClock INSTANCE = new SystemWallClock();

    private final Clock clock = Clock.systemUTC();

    private SystemWallClock() {
    }

    @Override
    public long nowMicros() {
        return WallClock.toMicros(clock.instant());
    }

    @Override
    public String toString() {
        return "WallClock.system()";
    }
}
