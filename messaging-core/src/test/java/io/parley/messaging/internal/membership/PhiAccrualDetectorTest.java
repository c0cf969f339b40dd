package io.parley.messaging.internal.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.parley.messaging.FailureDetection;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PhiAccrualDetectorTest {

    private static final long MS = 1_000_000L;
    private static final Duration SECOND = Duration.ofSeconds(1);

    /** A detector fed {@code beats} heartbeats every second from time 0; returns it with the last beat at {@code beats} s. */
    private static PhiAccrualDetector regular(int beats, Duration pause) {
        PhiAccrualDetector d = new PhiAccrualDetector(200, Duration.ofMillis(100), pause, SECOND, 0);
        for (int i = 1; i <= beats; i++) {
            d.heartbeat(i * 1000 * MS);
        }
        return d;
    }

    @Test
    void phiIsLowRightAfterAHeartbeatAndGrowsWithSilence() {
        PhiAccrualDetector d = regular(20, Duration.ZERO);
        long last = 20_000 * MS;

        double previous = d.phi(last);
        assertThat(previous).isLessThan(0.01);
        for (long silence = 100; silence <= 3_000; silence += 100) {
            double phi = d.phi(last + silence * MS);
            assertThat(phi).as("phi after %d ms", silence).isGreaterThanOrEqualTo(previous);
            previous = phi;
        }
        // At the mean interval the chance a live peer is later still is one half: phi = -log10(0.5).
        assertThat(d.phi(last + (long) d.meanNanos())).isCloseTo(0.301, within(0.01));
    }

    @Test
    void silenceThatReachesAThresholdIsIntervalPlusPausePlusZStandardDeviations() {
        // Regular heartbeats: the deviation is the floor, 100 ms; the window's start estimate is worn off.
        PhiAccrualDetector d = new PhiAccrualDetector(10, Duration.ofMillis(100), Duration.ofSeconds(2), SECOND, 0);
        for (int i = 1; i <= 50; i++) {
            d.heartbeat(i * 1000 * MS);
        }
        long last = 50_000 * MS;
        FailureDetection fd = FailureDetection.DEFAULT;

        Duration toSuspect = fd.silenceUntilSuspect(SECOND);
        Duration toDown = fd.silenceUntilDown(SECOND);
        assertThat(toSuspect.toMillis()).isEqualTo(3_305);
        assertThat(toDown.toMillis()).isEqualTo(3_522);
        assertThat(d.phi(last + toSuspect.toNanos() - 10 * MS)).isLessThan(3.0);
        assertThat(d.phi(last + toSuspect.toNanos())).isCloseTo(3.0, within(0.01));
        assertThat(d.phi(last + toDown.toNanos() - 10 * MS)).isLessThan(8.0);
        assertThat(d.phi(last + toDown.toNanos())).isCloseTo(8.0, within(0.05));
    }

    @Test
    void irregularHeartbeatsMakeTheDetectorMorePatient() {
        PhiAccrualDetector steady = regular(100, Duration.ZERO);
        PhiAccrualDetector jittery = new PhiAccrualDetector(200, Duration.ofMillis(100), Duration.ZERO, SECOND, 0);
        Random random = new Random(7);
        long t = 0;
        for (int i = 1; i <= 100; i++) {
            t += (600 + random.nextInt(800)) * MS; // 0.6 to 1.4 s
            jittery.heartbeat(t);
        }

        assertThat(jittery.stdDeviationNanos()).isGreaterThan(200 * MS);
        assertThat(jittery.phi(t + 2_000 * MS)).isLessThan(steady.phi(100_000 * MS + 2_000 * MS) / 2);
    }

    @Test
    void anyFrameEndsTheSilenceButOnlyHeartbeatsTeachTheRhythm() {
        PhiAccrualDetector d = regular(20, Duration.ZERO);
        double mean = d.meanNanos();
        long last = 20_000 * MS;

        for (long t = last + 10 * MS; t <= last + 5_000 * MS; t += 10 * MS) {
            d.heard(t); // a busy link with no Ping in between
        }

        assertThat(d.meanNanos()).isEqualTo(mean);
        assertThat(d.silenceNanos(last + 5_000 * MS)).isZero();
        assertThat(d.phi(last + 5_000 * MS)).isLessThan(0.01);
        assertThat(d.phi(last + 8_000 * MS)).as("three seconds after the last frame").isGreaterThan(8);
    }

    @Test
    void excusedSilenceIsNeitherHeldAgainstThePeerNorSampled() {
        PhiAccrualDetector d = regular(20, Duration.ZERO);
        double mean = d.meanNanos();

        d.excuse(60_000 * MS);

        assertThat(d.phi(60_000 * MS)).isLessThan(0.01);
        d.heartbeat(61_000 * MS);
        assertThat(d.meanNanos()).as("the 40 s this node did not read are not an interval").isCloseTo(mean, within(0.1 * mean));
    }

    @Test
    void aLocalPauseIsTakenOffTheSilenceAndOffTheNextInterval() {
        PhiAccrualDetector d = regular(20, Duration.ZERO);
        long last = 20_000 * MS;

        d.pausedLocally(5_000 * MS, last + 5_500 * MS);

        assertThat(d.silenceNanos(last + 5_500 * MS)).isEqualTo(500 * MS);
        d.heartbeat(last + 6_000 * MS);
        assertThat(d.meanNanos()).isCloseTo(1_000 * MS, within(5.0 * MS));
        d.pausedLocally(60_000 * MS, last + 7_000 * MS);
        assertThat(d.silenceNanos(last + 7_000 * MS)).as("never past now").isZero();
    }

    @Test
    void theWindowForgetsOldIntervals() {
        PhiAccrualDetector d = new PhiAccrualDetector(10, Duration.ofMillis(10), Duration.ZERO, Duration.ofMillis(100), 0);
        long t = 0;
        for (int i = 0; i < 20; i++) {
            d.heartbeat(t += 100 * MS);
        }
        assertThat(d.meanNanos()).isCloseTo(100 * MS, within(1.0 * MS));
        for (int i = 0; i < 10; i++) {
            d.heartbeat(t += 1_000 * MS);
        }
        assertThat(d.meanNanos()).isCloseTo(1_000 * MS, within(1.0 * MS));
        assertThat(d.stdDeviationNanos()).isLessThan(1.0 * MS);
    }

    @Test
    void beforeAnyHeartbeatTheExpectedIntervalStandsIn() {
        PhiAccrualDetector d = new PhiAccrualDetector(200, Duration.ofMillis(100), Duration.ZERO, SECOND, 5_000 * MS);

        assertThat(d.meanNanos()).isEqualTo(1_000.0 * MS);
        assertThat(d.stdDeviationNanos()).isEqualTo(250.0 * MS);
        assertThat(d.phi(5_000 * MS + 500 * MS)).isLessThan(1);
        assertThat(d.phi(5_000 * MS + 3_000 * MS)).isGreaterThan(8);
    }

    @Test
    void phiStaysFiniteOrInfiniteButNeverNaN() {
        assertThat(PhiAccrualDetector.phi(1e12, 1e9, 1e8)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(PhiAccrualDetector.phi(0, 1e9, 1e8)).isGreaterThanOrEqualTo(0).isLessThan(1e-6);
    }
}
