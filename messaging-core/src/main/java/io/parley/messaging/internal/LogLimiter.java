package io.parley.messaging.internal;

import io.parley.messaging.Limit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Bounds the log lines a peer can cause: at most one line of each kind every {@value #INTERVAL_MILLIS} ms; the
 * lines left out are counted ({@link Limit#LOG_LINES}) and the next line written says how many there were. Kinds
 * are the callers' constants, so the map of them stays as small as the code. Thread-safe: any thread asks.
 */
public final class LogLimiter {

    /** Shortest time between two lines of one kind. */
    public static final long INTERVAL_MILLIS = 10_000;

    private final LimitCounters counters;
    private final LongSupplier nanoTime;
    private final ConcurrentMap<String, Kind> kinds = new ConcurrentHashMap<>();

    public LogLimiter(LimitCounters counters) {
        this(counters, System::nanoTime);
    }

    /** {@code nanoTime}: a monotonic clock, for tests. */
    public LogLimiter(LimitCounters counters, LongSupplier nanoTime) {
        this.counters = counters;
        this.nanoTime = nanoTime;
    }

    /**
     * Whether a line of {@code kind} may be written now: -1 if not (it is counted as left out), otherwise how many
     * lines of that kind were left out since the last one written.
     */
    public long permit(String kind) {
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
        long now = nanoTime.getAsLong();
        long last = k.lastWritten.get();
        if (last != Long.MIN_VALUE && now - last < INTERVAL_MILLIS * 1_000_000L || !k.lastWritten.compareAndSet(last, now)) {
            k.skipped.incrementAndGet();
            counters.reached(Limit.LOG_LINES);
            return -1;
        }
        return k.skipped.getAndSet(0);
    }

    /** {@code " (N more like it in the last 10 s not logged)"}, or "" for 0: to append to a permitted line. */
    public static String skipped(long skipped) {
        return skipped <= 0 ? "" : " (" + skipped + " more like it not logged in the last " + INTERVAL_MILLIS / 1000 + " s)";
    }

    private static final class Kind {
        final AtomicLong lastWritten = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong skipped = new AtomicLong();
    }
}
