package io.parley.messaging.internal.delivery;

import io.parley.messaging.Limit;
import io.parley.messaging.internal.LimitCounters;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide bound on payload bytes of unacknowledged messages held in memory ({@code maxBodyBytesInMemory}),
 * shared by every outbound stream's {@link BodyPager}. With a store that is not durable a send takes its bytes before
 * it is queued and is refused if they do not fit; with a durable one a pager keeps a body only if it fits, and leaves
 * the rest in the store. A pager that holds no body at all takes one whatever the budget says, so no stream stalls
 * behind others.
 *
 * <p>Thread-safe: taken on callers' threads and home loops, given back on home loops and the store thread.
 */
final class BodyBudget {

    private final long max;
    private final LimitCounters limits;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long max, LimitCounters limits) {
        this.max = max;
        this.limits = limits;
    }

    /** Takes {@code bytes} if they fit under the bound; counts {@link Limit#BODY_BYTES_IN_MEMORY} if not. */
    boolean tryTake(long bytes) {
        while (true) {
            long now = held.get();
            if (now + bytes > max) {
                limits.reached(Limit.BODY_BYTES_IN_MEMORY);
                return false;
            }
            if (held.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Takes {@code bytes} whether they fit or not: a body a stream must hold to make progress. */
    void take(long bytes) {
        held.addAndGet(bytes);
    }

    /** Gives back {@code bytes} taken before. */
    void give(long bytes) {
        held.addAndGet(-bytes);
    }

    /** Whether anything at all fits now. */
    boolean hasRoom() {
        return held.get() < max;
    }

    /** Bytes that fit under the bound now. */
    long room() {
        return max - held.get();
    }

    /** Bytes held now. */
    long held() {
        return held.get();
    }

    /** The bound. */
    long max() {
        return max;
    }
}
