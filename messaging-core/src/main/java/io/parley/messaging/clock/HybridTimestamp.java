package io.parley.messaging.clock;

/**
 * A reading of a {@link HybridLogicalClock}: a physical time and a logical counter. Readings order events
 * consistently with causality across nodes: if an event could have influenced another, its timestamp is
 * smaller.
 *
 * @param wallMicros physical component, epoch microseconds
 * @param logical counter that orders readings sharing {@code wallMicros}, 0 or more
 */
public record HybridTimestamp(long wallMicros, int logical) implements Comparable<HybridTimestamp> {

    /** The smallest timestamp. */
    public static final HybridTimestamp ZERO = new HybridTimestamp(0, 0);

    /**
     * @throws IllegalArgumentException if {@code logical} is negative
     */
    public HybridTimestamp {
        if (logical < 0) {
            throw new IllegalArgumentException("logical counter must not be negative, got " + logical);
        }
    }

    @Override
    public int compareTo(HybridTimestamp other) {
        int c = Long.compare(wallMicros, other.wallMicros);
        return c != 0 ? c : Integer.compare(logical, other.logical);
    }

    @Override
    public String toString() {
        return wallMicros + "." + logical;
    }
}
