package io.parley.messaging;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether a node's store takes writes now, as {@link Node#storeHealth()} tells it.
 *
 * <p>A store that cannot write (its disk is full or below its free-space floor, it reports I/O errors, it was
 * remounted read-only: see {@link io.parley.messaging.store.StoreUnavailableException}) makes the node degraded:
 * it refuses new sends with that exception, stops reading from its peers, acknowledges nothing it has not stored,
 * and tries the batch that failed again every {@value #RETRY_MILLIS} ms. Once that batch is stored, the node takes
 * sends and reads from its peers again.
 *
 * @param writable whether the last batch was stored (true also before the first)
 * @param reason why the store cannot write, in a sentence; empty while it is writable
 * @param since when the store became writable or stopped being so (this process's clock); the node's start at first
 */
public record StoreHealth(boolean writable, String reason, Instant since) {

    /** How often a degraded node tries the batch that failed again, in milliseconds. */
    public static final long RETRY_MILLIS = 250;

    /** Validates the fields. */
    public StoreHealth {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
    }

    /** A writable store, since {@code since}. */
    public static StoreHealth writable(Instant since) {
        return new StoreHealth(true, "", since);
    }

    /** A store that cannot write, since {@code since}, for {@code reason}. */
    public static StoreHealth degraded(String reason, Instant since) {
        return new StoreHealth(false, reason, since);
    }
}
