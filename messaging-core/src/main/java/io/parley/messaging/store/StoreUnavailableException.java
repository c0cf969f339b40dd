package io.parley.messaging.store;

/**
 * The store cannot write for now, for a reason that may clear by itself: its disk is full or below the store's
 * free-space floor, it reports I/O errors, or it was remounted read-only. Nothing of the batch that met it was
 * stored.
 *
 * <p>A {@link MessageStore} throws it from {@link MessageStore#apply} to say so; the node then holds that batch
 * and tries it again, whole, every fraction of a second until it is stored. Meanwhile the node refuses new sends
 * with this exception (a send's future fails with it at once, and {@code Node.storeHealth()} tells the reason),
 * stops reading from its peers and acknowledges nothing it has not stored. Retry the send later.
 */
public class StoreUnavailableException extends StoreException {

    private static final long serialVersionUID = 1L;

    /** With a message that says why the store cannot write and what would clear it. */
    public StoreUnavailableException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
