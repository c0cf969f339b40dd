package io.parley.messaging.clock;

import java.time.Duration;

/**
 * Estimates a peer's clock offset and the round trip to it from NTP-style quadruples: t0 (request sent, local
 * clock), t1 (request received, peer clock), t2 (reply sent, peer clock), t3 (reply received, local clock).
 * Of the last {@value #WINDOW} samples it keeps the one with the smallest round trip, since queueing delay only
 * ever adds to a round trip and makes the offset less certain.
 *
 * <p>Thread-safe.
 */
public final class ClockOffsetEstimator {

    /** How many recent samples are considered. */
    public static final int WINDOW = 16;

    private final long[] offsets = new long[WINDOW];
    private final long[] roundTrips = new long[WINDOW];
    private int count;
    private int next;

    /**
     * Adds one sample, all in microseconds; {@code t0} and {@code t3} from the local wall clock, {@code t1} and
     * {@code t2} from the peer's. A sample whose round trip comes out negative (a clock stepped between t0 and
     * t3) is ignored.
     */
    public synchronized void addSample(long t0, long t1, long t2, long t3) {
        long roundTrip = (t3 - t0) - (t2 - t1);
        if (roundTrip < 0) {
            return;
        }
        long offset = ((t1 - t0) + (t2 - t3)) / 2;
        offsets[next] = offset;
        roundTrips[next] = roundTrip;
        next = (next + 1) % WINDOW;
        count = Math.min(count + 1, WINDOW);
    }

    /** Whether any sample has been taken. */
    public synchronized boolean hasEstimate() {
        return count > 0;
    }

    /** The peer's clock minus this node's, from the best sample; zero before the first. */
    public synchronized Duration offset() {
        int best = best();
        return best < 0 ? Duration.ZERO : Duration.ofNanos(offsets[best] * 1_000L);
    }

    /** The round trip of the best sample; zero before the first. */
    public synchronized Duration roundTrip() {
        int best = best();
        return best < 0 ? Duration.ZERO : Duration.ofNanos(roundTrips[best] * 1_000L);
    }

    private int best() {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (best < 0 || roundTrips[i] < roundTrips[best]) {
                best = i;
            }
        }
        return best;
    }
}
