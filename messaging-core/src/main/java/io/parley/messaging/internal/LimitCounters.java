package io.parley.messaging.internal;

import io.parley.messaging.Limit;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How often each {@link Limit} was reached on one node. Thread-safe: any thread counts, any thread reads.
 */
public final class LimitCounters {

    private final AtomicLongArray counts = new AtomicLongArray(Limit.values().length);
    private final LogLimiter logs = new LogLimiter(this);

    /** The node's bound on log lines its peers can cause. */
    public LogLimiter logs() {
        return logs;
    }

    /** Counts one more time {@code limit} was reached. */
    public void reached(Limit limit) {
        counts.incrementAndGet(limit.ordinal());
    }

    /** How often {@code limit} was reached. */
    public long count(Limit limit) {
        return counts.get(limit.ordinal());
    }

    /** Every limit with its count, zeros included, in declaration order. */
    public Map<Limit, Long> snapshot() {
        Map<Limit, Long> m = new EnumMap<>(Limit.class);
        for (Limit l : Limit.values()) {
            m.put(l, counts.get(l.ordinal()));
        }
        return Collections.unmodifiableMap(m);
    }
}
