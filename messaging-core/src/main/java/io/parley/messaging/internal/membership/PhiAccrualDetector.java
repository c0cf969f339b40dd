package io.parley.messaging.internal.membership;

import io.parley.messaging.FailureDetection;
import java.time.Duration;

/**
 * The phi accrual failure detector of Hayashibara et al. (2004), as Akka and Cassandra use it. It remembers a
 * sliding window of intervals between a peer's heartbeats and, at any moment, says how unlikely it is that a
 * live peer would have been silent for as long as it has:
 *
 * <pre>
 * phi(t) = -log10(1 - F(t)),  F = the normal distribution of (mean interval + acceptable pause, std deviation)
 * </pre>
 *
 * where t is the time since anything was last heard from the peer. phi 1 means a 10% chance that a live peer
 * stays this silent, phi 3 one in a thousand, phi 8 one in a hundred million. The standard deviation has a floor,
 * so that perfectly regular heartbeats do not make a few milliseconds' delay look fatal, and the acceptable pause
 * shifts the whole distribution, so that a garbage collection or a busy network of that length is not suspicious.
 * F is the logistic approximation of the normal distribution that Akka uses: within 0.0002 of it everywhere, and
 * lighter in the far tail (phi 8 is 5.23 standard deviations past the mean rather than 5.61). The function itself is
 * {@link FailureDetection#phi}, beside the settings whose detection bound it gives.
 *
 * <p>Not thread-safe: each instance belongs to one connection and is used on its event loop only. Times are
 * nanoseconds of a monotonic clock, as read from the event loop's ticker.
 */
public final class PhiAccrualDetector {

    private final long[] intervals;
    private final long minStdDeviationNanos;
    private final long acceptablePauseNanos;
    private int count;
    private int next;
    private double mean;
    private double stdDeviation;
    private long lastHeartbeatNanos;
    private long lastHeardNanos;

    /**
     * A detector that expects heartbeats every {@code expectedInterval} until it has seen some: its window starts
     * with two intervals a quarter of that below and above it, as Akka's first-heartbeat estimate does.
     *
     * @param maxSamples how many intervals the window keeps
     * @param minStdDeviation floor of the standard deviation
     * @param acceptablePause silence beyond the usual rhythm that is not suspicious at all
     * @param expectedInterval the interval heartbeats are sent at
     * @param nowNanos the start: the peer counts as heard from now
     */
    public PhiAccrualDetector(int maxSamples, Duration minStdDeviation, Duration acceptablePause, Duration expectedInterval,
                              long nowNanos) {
        if (maxSamples < 2) {
            throw new IllegalArgumentException("the window needs at least 2 samples, got " + maxSamples);
        }
        this.intervals = new long[maxSamples];
        this.minStdDeviationNanos = minStdDeviation.toNanos();
        this.acceptablePauseNanos = acceptablePause.toNanos();
        long expected = expectedInterval.toNanos();
        add(expected - expected / 4);
        add(expected + expected / 4);
        this.lastHeartbeatNanos = nowNanos;
        this.lastHeardNanos = nowNanos;
    }

    /** A heartbeat arrived: its interval since the last one joins the window, and the peer was heard from. */
    public void heartbeat(long nowNanos) {
        long interval = nowNanos - lastHeartbeatNanos;
        if (interval > 0) {
            add(interval);
        }
        lastHeartbeatNanos = nowNanos;
        heard(nowNanos);
    }

    /** Any other frame arrived: the peer is alive now, though this says nothing about its heartbeat rhythm. */
    public void heard(long nowNanos) {
        if (nowNanos > lastHeardNanos) {
            lastHeardNanos = nowNanos;
        }
    }

    /**
     * Forgets the silence so far without sampling it: for a time this node did not read from the peer (its own
     * backlog paused reading), in which silence proves nothing about the peer.
     */
    public void excuse(long nowNanos) {
        lastHeartbeatNanos = nowNanos;
        lastHeardNanos = nowNanos;
    }

    /**
     * This node was not looking for {@code nanos} (its event loop did not run: a garbage collection, a starved
     * thread): that much of the silence so far is not the peer's, and the next heartbeat interval is not
     * stretched by it either.
     */
    public void pausedLocally(long nanos, long nowNanos) {
        lastHeardNanos = Math.min(nowNanos, lastHeardNanos + nanos);
        lastHeartbeatNanos = Math.min(nowNanos, lastHeartbeatNanos + nanos);
    }

    /** Nanoseconds since the peer was last heard from. */
    public long silenceNanos(long nowNanos) {
        return Math.max(0, nowNanos - lastHeardNanos);
    }

    /** How suspicious the silence up to {@code nowNanos} is; 0 right after a frame, growing without bound. */
    public double phi(long nowNanos) {
        return phi(silenceNanos(nowNanos), mean + acceptablePauseNanos, Math.max(stdDeviation, minStdDeviationNanos));
    }

    /** Mean of the heartbeat intervals in the window, nanoseconds. */
    public double meanNanos() {
        return mean;
    }

    /** Standard deviation of the heartbeat intervals in the window (before the floor), nanoseconds. */
    public double stdDeviationNanos() {
        return stdDeviation;
    }

    private void add(long interval) {
        intervals[next] = interval;
        next = (next + 1) % intervals.length;
        count = Math.min(count + 1, intervals.length);
        // Recomputed over the window at each heartbeat (once a heartbeat interval), so no rounding accumulates.
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += intervals[i];
        }
        double m = sum / count;
        double squares = 0;
        for (int i = 0; i < count; i++) {
            double d = intervals[i] - m;
            squares += d * d;
        }
        mean = m;
        stdDeviation = Math.sqrt(squares / count);
    }

    /** phi of a silence of {@code t} for a {@code mean} and {@code stdDeviation}: {@link FailureDetection#phi}. */
    static double phi(double t, double mean, double stdDeviation) {
        return FailureDetection.phi(t, mean, stdDeviation);
    }
}
