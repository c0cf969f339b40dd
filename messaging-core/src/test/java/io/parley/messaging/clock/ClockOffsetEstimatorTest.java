package io.parley.messaging.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClockOffsetEstimatorTest {

    private final ClockOffsetEstimator estimator = new ClockOffsetEstimator();

    /** A sample taken when the peer runs {@code offset} µs ahead, each way takes {@code oneWay} µs. */
    private void addSymmetric(long t0, long offset, long oneWay, long processing) {
        long t1 = t0 + oneWay + offset;
        long t2 = t1 + processing;
        long t3 = t2 - offset + oneWay;
        estimator.addSample(t0, t1, t2, t3);
    }

    @Test
    void withoutSamplesThereIsNoEstimateAndZeroOffset() {
        assertThat(estimator.hasEstimate()).isFalse();
        assertThat(estimator.offset()).isEqualTo(Duration.ZERO);
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ZERO);
    }

    @Test
    void exactSymmetricSampleGivesTheExactOffsetAndRoundTrip() {
        addSymmetric(1_000_000, 250_000, 300, 40);

        assertThat(estimator.hasEstimate()).isTrue();
        assertThat(estimator.offset()).isEqualTo(Duration.ofMillis(250));
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ofNanos(600_000));
    }

    @Test
    void peerRunningBehindGivesANegativeOffset() {
        addSymmetric(1_000_000, -70_000, 100, 0);

        assertThat(estimator.offset()).isEqualTo(Duration.ofMillis(-70));
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ofNanos(200_000));
    }

    @Test
    void sampleWithTheSmallestRoundTripWins() {
        addSymmetric(0, 1_000, 500, 0);
        addSymmetric(10_000, 2_000, 50, 0);
        addSymmetric(20_000, 3_000, 800, 0);

        assertThat(estimator.offset()).isEqualTo(Duration.ofNanos(2_000_000));
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ofNanos(100_000));
    }

    @Test
    void sampleWithANegativeRoundTripIsIgnored() {
        estimator.addSample(1_000, 5_000, 5_100, 1_050);

        assertThat(estimator.hasEstimate()).isFalse();

        addSymmetric(0, 400, 500, 0);
        estimator.addSample(1_000, 5_000, 5_100, 1_050);

        assertThat(estimator.offset()).isEqualTo(Duration.ofNanos(400_000));
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ofNanos(1_000_000));
    }

    @Test
    void onlyTheLastSixteenSamplesAreConsidered() {
        addSymmetric(0, 9_999, 1, 0);
        for (int i = 1; i <= ClockOffsetEstimator.WINDOW - 1; i++) {
            addSymmetric(i * 10_000L, i, 100 + i, 0);
        }
        assertThat(estimator.offset()).as("best sample still in the window").isEqualTo(Duration.ofNanos(9_999_000));

        addSymmetric(1_000_000, 42, 200, 0);

        assertThat(estimator.offset()).as("best sample pushed out").isEqualTo(Duration.ofNanos(1_000));
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ofNanos(202_000));
    }

    @Test
    void windowKeepsWorkingAfterWrappingMoreThanOnce() {
        for (int i = 0; i < 3 * ClockOffsetEstimator.WINDOW; i++) {
            addSymmetric(i * 10_000L, i, 1_000 - i, 0);
        }

        int last = 3 * ClockOffsetEstimator.WINDOW - 1;
        assertThat(estimator.offset()).isEqualTo(Duration.ofNanos(last * 1_000L));
        assertThat(estimator.roundTrip()).isEqualTo(Duration.ofNanos(2L * (1_000 - last) * 1_000));
    }
}
