package io.parley.messaging.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WallClockTest {

    @Test
    void offsetShiftsTheBaseClockByExactlyTheDuration() {
        AtomicLong now = new AtomicLong(1_700_000_000_123_456L);
        WallClock base = now::get;

        WallClock ahead = WallClock.offset(base, Duration.ofMillis(1_500).plusNanos(7_000));
        WallClock behind = WallClock.offset(base, Duration.ofMillis(-250));

        assertThat(ahead.nowMicros()).isEqualTo(1_700_000_000_123_456L + 1_500_007);
        assertThat(behind.nowMicros()).isEqualTo(1_700_000_000_123_456L - 250_000);

        now.addAndGet(10);

        assertThat(ahead.nowMicros() - now.get()).isEqualTo(1_500_007);
        assertThat(behind.nowMicros() - now.get()).isEqualTo(-250_000);
    }

    @Test
    void zeroOffsetReadsTheBaseClock() {
        assertThat(WallClock.offset(() -> 42, Duration.ZERO).nowMicros()).isEqualTo(42);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, -1, 999_999, 1_000_000, -999_999, -1_000_000, -1_000_001, 1_700_000_000_123_456L,
            -62_135_596_800_000_000L})
    void microsRoundTripThroughAnInstant(long micros) {
        assertThat(WallClock.toMicros(WallClock.toInstant(micros))).isEqualTo(micros);
    }

    @Test
    void instantsBeforeTheEpochConvertToNegativeMicros() {
        assertThat(WallClock.toInstant(-1)).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
        assertThat(WallClock.toInstant(-1_500_000)).isEqualTo(Instant.parse("1969-12-31T23:59:58.500Z"));
        assertThat(WallClock.toMicros(Instant.parse("1969-12-31T23:59:58.500Z"))).isEqualTo(-1_500_000);
    }

    @Test
    void instantAtMicrosecondPrecisionRoundTrips() {
        Instant instant = Instant.parse("2026-11-25T12:34:56.789012Z");

        assertThat(WallClock.toInstant(WallClock.toMicros(instant))).isEqualTo(instant);
    }

    @Test
    void subMicrosecondDigitsAreDropped() {
        assertThat(WallClock.toMicros(Instant.ofEpochSecond(5, 1_999))).isEqualTo(5_000_001);
        assertThat(WallClock.toMicros(Duration.ofNanos(2_999))).isEqualTo(2);
    }

    @Test
    void clockBackedByAFixedJavaClockReadsItsInstant() {
        Instant instant = Instant.parse("2026-01-02T03:04:05.678901Z");

        WallClock clock = WallClock.of(Clock.fixed(instant, ZoneOffset.UTC));

        assertThat(clock.nowMicros()).isEqualTo(WallClock.toMicros(instant));
        assertThat(WallClock.toInstant(clock.nowMicros())).isEqualTo(instant);
    }
}
