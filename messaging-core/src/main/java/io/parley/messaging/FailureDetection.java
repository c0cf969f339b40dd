package io.parley.messaging;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the failure detector that moves peers from UP to {@link PeerState#SUSPECT} and
 * {@link PeerState#DOWN}: a phi accrual detector (Hayashibara et al.; as in Akka and Cassandra). Every node sends
 * each peer a Ping once per heartbeat interval, busy or not; the detector keeps a window of the intervals between
 * a peer's Pings and turns the time since anything at all was last heard from the peer into phi, the minus log10
 * of the chance that a live peer would be that silent. Immutable; {@link #DEFAULT} holds the defaults and
 * {@link #builder()} changes them.
 *
 * <p><b>Detection bound.</b> With heartbeats that arrived regularly every interval I, phi reaches a threshold after
 * a silence of about I + {@link #acceptablePause()} + z × {@link #minStdDeviation()}, where z is 3.06 for phi 3
 * and 5.23 for phi 8 ({@link #silenceUntilDown} computes it). With the defaults and I = 1 s a silent peer is
 * SUSPECT after 3.31 s and DOWN after 3.53 s, plus at most one evaluation tick (a tenth of the heartbeat
 * interval, at most 100 ms). Irregular heartbeats widen the distribution and so lengthen the time; the
 * heartbeat timeout ({@link NodeBuilder#heartbeat}, 5 s by default) closes a silent connection in any case.
 *
 * @param suspectThreshold phi at which an UP peer becomes SUSPECT
 * @param downThreshold phi at which a peer is judged DOWN and its connection closed; at least suspectThreshold
 * @param acceptablePause silence beyond the usual heartbeat rhythm that raises no suspicion at all (a garbage
 *     collection, a congested link)
 * @param minStdDeviation floor of the standard deviation of heartbeat intervals, so that very regular heartbeats
 *     do not make a few milliseconds' delay alarming
 * @param maxSamples how many heartbeat intervals the detector remembers per connection
 */
public record FailureDetection(double suspectThreshold, double downThreshold, Duration acceptablePause,
                               Duration minStdDeviation, int maxSamples) {

    /** Default {@link #suspectThreshold()}: 3, a one in a thousand chance that a live peer is that silent. */
    public static final double DEFAULT_SUSPECT_THRESHOLD = 3.0;
    /** Default {@link #downThreshold()}: 8, as Akka and Cassandra use. */
    public static final double DEFAULT_DOWN_THRESHOLD = 8.0;
    /** Default {@link #acceptablePause()}: 2 s. */
    public static final Duration DEFAULT_ACCEPTABLE_PAUSE = Duration.ofSeconds(2);
    /** Default {@link #minStdDeviation()}: 100 ms. */
    public static final Duration DEFAULT_MIN_STD_DEVIATION = Duration.ofMillis(100);
    /** Default {@link #maxSamples()}: 200 intervals. */
    public static final int DEFAULT_MAX_SAMPLES = 200;

    /** The defaults. */
    public static final FailureDetection DEFAULT = new FailureDetection(DEFAULT_SUSPECT_THRESHOLD,
            DEFAULT_DOWN_THRESHOLD, DEFAULT_ACCEPTABLE_PAUSE, DEFAULT_MIN_STD_DEVIATION, DEFAULT_MAX_SAMPLES);

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if a threshold is not positive and finite, the down threshold is below the
     *     suspect threshold, the pause is negative, the deviation is not positive or the window is under 2 samples
     */
    public FailureDetection {
        Objects.requireNonNull(acceptablePause, "acceptablePause");
        Objects.requireNonNull(minStdDeviation, "minStdDeviation");
        if (!(suspectThreshold > 0) || Double.isInfinite(suspectThreshold)) {
            throw new IllegalArgumentException("suspectThreshold must be positive and finite, got " + suspectThreshold);
        }
        if (!(downThreshold >= suspectThreshold) || Double.isInfinite(downThreshold)) {
            throw new IllegalArgumentException("downThreshold (" + downThreshold
                    + ") must be finite and at least suspectThreshold (" + suspectThreshold + ")");
        }
        if (acceptablePause.isNegative()) {
            throw new IllegalArgumentException("acceptablePause must not be negative, got " + acceptablePause);
        }
        if (minStdDeviation.isNegative() || minStdDeviation.isZero()) {
            throw new IllegalArgumentException("minStdDeviation must be positive, got " + minStdDeviation);
        }
        if (maxSamples < 2) {
            throw new IllegalArgumentException("maxSamples must be at least 2, got " + maxSamples);
        }
    }

    /** How long a peer with regular heartbeats every {@code heartbeatInterval} may be silent before it is SUSPECT. */
    public Duration silenceUntilSuspect(Duration heartbeatInterval) {
        return silenceUntil(suspectThreshold, heartbeatInterval);
    }

    /** How long a peer with regular heartbeats every {@code heartbeatInterval} may be silent before it is DOWN. */
    public Duration silenceUntilDown(Duration heartbeatInterval) {
        return silenceUntil(downThreshold, heartbeatInterval);
    }

    /**
     * The phi of a silence of {@code silence} when heartbeats are expected after {@code mean} with
     * {@code stdDeviation} (all three in the same unit): minus log10 of the chance that a live peer stays silent that
     * long. It is the function the detector applies, with the mean raised by {@link #acceptablePause()} and the
     * deviation floored at {@link #minStdDeviation()}: the logistic approximation of the normal distribution that Akka
     * uses (within 0.0002 of it everywhere, lighter in the far tail), written in two forms so that neither side of the
     * mean loses precision. 0 for no silence, growing without bound (to infinity) as the silence grows.
     */
    public static double phi(double silence, double mean, double stdDeviation) {
        double y = (silence - mean) / stdDeviation;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        return silence > mean ? -Math.log10(e / (1.0 + e)) : -Math.log10(1.0 - 1.0 / (1.0 + e));
    }

    /**
     * The silence after which phi reaches {@code threshold} for heartbeats arriving exactly every {@code interval}:
     * interval + pause + z × minStdDeviation, z = 3.06 for phi 3 and 5.23 for phi 8; the inverse of {@link #phi}.
     */
    private Duration silenceUntil(double threshold, Duration interval) {
        double mean = interval.toNanos() + acceptablePause.toNanos();
        double stdDeviation = minStdDeviation.toNanos();
        double lo = mean - 40 * stdDeviation;
        double hi = mean + 40 * stdDeviation;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (phi(mid, mean, stdDeviation) < threshold) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Duration.ofNanos((long) Math.ceil(hi));
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link FailureDetection}; every setter's default is the matching {@code DEFAULT_*} constant. */
    public static final class Builder {
        private double suspectThreshold = DEFAULT_SUSPECT_THRESHOLD;
        private double downThreshold = DEFAULT_DOWN_THRESHOLD;
        private Duration acceptablePause = DEFAULT_ACCEPTABLE_PAUSE;
        private Duration minStdDeviation = DEFAULT_MIN_STD_DEVIATION;
        private int maxSamples = DEFAULT_MAX_SAMPLES;

        private Builder() {
        }

        /** phi at which an UP peer becomes SUSPECT; default 3. */
        public Builder suspectThreshold(double phi) {
            this.suspectThreshold = phi;
            return this;
        }

        /** phi at which a peer is DOWN and its connection closed; default 8. Higher: slower, fewer false alarms. */
        public Builder downThreshold(double phi) {
            this.downThreshold = phi;
            return this;
        }

        /** Silence beyond the heartbeat rhythm that raises no suspicion; default 2 s. */
        public Builder acceptablePause(Duration pause) {
            this.acceptablePause = Objects.requireNonNull(pause, "pause");
            return this;
        }

        /** Floor of the heartbeat intervals' standard deviation; default 100 ms. */
        public Builder minStdDeviation(Duration deviation) {
            this.minStdDeviation = Objects.requireNonNull(deviation, "deviation");
            return this;
        }

        /** Heartbeat intervals remembered per connection; default 200. */
        public Builder maxSamples(int samples) {
            this.maxSamples = samples;
            return this;
        }

        /** The settings, validated. */
        public FailureDetection build() {
            return new FailureDetection(suspectThreshold, downThreshold, acceptablePause, minStdDeviation, maxSamples);
        }
    }
}
