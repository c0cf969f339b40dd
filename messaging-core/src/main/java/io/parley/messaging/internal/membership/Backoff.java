package io.parley.messaging.internal.membership;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt n waits {@code min × 2^n}, capped at {@code max}, less a random
 * share of up to {@code jitter} of it, so that nodes that lost each other at the same moment do not redial in
 * lockstep.
 *
 * @param min delay before the first retry
 * @param max largest delay
 * @param jitter share of a delay taken off at random, 0 to 1
 */
public record Backoff(Duration min, Duration max, double jitter) {

    public Backoff {
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < min <= max, got min " + min + " and max " + max);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff jitter must be between 0 and 1, got " + jitter);
        }
    }

    /** The delay before retry number {@code attempt} (0 for the first). */
    public Duration delay(int attempt) {
        long base = min.toNanos();
        long cap = max.toNanos();
        long d = attempt >= 62 || base > (cap >> Math.min(attempt, 62)) ? cap : Math.min(cap, base << attempt);
        long off = (long) (d * jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(d - off);
    }
}
