package io.parley.messaging.internal.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackoffTest {

    private static final Duration MIN = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(5);

    @Test
    void withoutJitterDelaysDoubleFromMinUntilCappedAtMax() {
        Backoff backoff = new Backoff(MIN, MAX, 0);

        assertThat(backoff.delay(0)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofMillis(3_200));
        assertThat(backoff.delay(6)).isEqualTo(MAX);
        assertThat(backoff.delay(7)).isEqualTo(MAX);
        assertThat(backoff.delay(30)).isEqualTo(MAX);
    }

    @ParameterizedTest
    @ValueSource(ints = {61, 62, 63, 64, 100, Integer.MAX_VALUE})
    void largeAttemptsStayAtMaxWithoutOverflow(int attempt) {
        Backoff backoff = new Backoff(Duration.ofNanos(1), Duration.ofDays(365), 0);

        assertThat(backoff.delay(attempt)).isEqualTo(Duration.ofDays(365));
    }

    @Test
    void attemptOneHundredIsCappedAtMaxForTheDefaultSettings() {
        assertThat(new Backoff(MIN, MAX, 0).delay(100)).isEqualTo(MAX);
        assertThat(new Backoff(MIN, MAX, 0.5).delay(100)).isBetween(MAX.dividedBy(2), MAX);
    }

    @Test
    void minEqualToMaxGivesConstantDelays() {
        Backoff backoff = new Backoff(MAX, MAX, 0);

        assertThat(backoff.delay(0)).isEqualTo(MAX);
        assertThat(backoff.delay(10)).isEqualTo(MAX);
    }

    @Test
    void jitterKeepsEveryDelayWithinItsShareBelowTheUnjitteredDelay() {
        double jitter = 0.3;
        Backoff jittered = new Backoff(MIN, MAX, jitter);
        Backoff exact = new Backoff(MIN, MAX, 0);
        for (int attempt = 0; attempt < 10; attempt++) {
            long d = exact.delay(attempt).toNanos();
            long lowest = (long) Math.floor(d * (1 - jitter));
            long smallest = Long.MAX_VALUE;
            long largest = Long.MIN_VALUE;
            for (int i = 0; i < 2_000; i++) {
                long delay = jittered.delay(attempt).toNanos();
                assertThat(delay).as("attempt %d", attempt).isBetween(lowest, d);
                smallest = Math.min(smallest, delay);
                largest = Math.max(largest, delay);
            }
            assertThat(smallest).as("attempt %d: jitter spreads delays", attempt).isLessThan(largest);
        }
    }

    @Test
    void fullJitterStaysBetweenZeroAndTheDelay() {
        Backoff backoff = new Backoff(MIN, MAX, 1);
        for (int i = 0; i < 1_000; i++) {
            assertThat(backoff.delay(3)).isBetween(Duration.ZERO, Duration.ofMillis(800));
        }
    }

    @Test
    void zeroOrNegativeMinIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ZERO, MAX, 0))
                .withMessageContaining("0 < min <= max");
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ofMillis(-1), MAX, 0))
                .withMessageContaining("0 < min <= max");
    }

    @Test
    void maxBelowMinIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(MAX, MIN, 0))
                .withMessageContaining("0 < min <= max")
                .withMessageContaining("min PT5S")
                .withMessageContaining("max PT0.1S");
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY})
    void jitterOutsideZeroToOneIsRefused(double jitter) {
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(MIN, MAX, jitter))
                .withMessageContaining("jitter must be between 0 and 1");
    }
}
