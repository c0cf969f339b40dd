package io.parley.messaging.internal.delivery;

import io.parley.messaging.Receipt;
import java.util.concurrent.CompletableFuture;

/**
 * The future {@code send} hands its caller, which is also the slot its message takes while the body waits in the
 * store: so a queued message costs the stream one reference, not a wrapper as well. It carries the future of the
 * message's local commit ({@link #stored()}): completed once the sender's store has committed the message, failed
 * with the receipt's failure if the message was never stored.
 */
public final class ReceiptFuture extends CompletableFuture<Receipt> implements Slot {

    private final CompletableFuture<Void> stored = new CompletableFuture<>();

    @Override
    public ReceiptFuture future() {
        return this;
    }

    /** Completes once this node's store has committed the message; fails as the receipt does if it never was. */
    public CompletableFuture<Void> stored() {
        return stored;
    }

    /** The message is committed in this node's store. */
    void markStored() {
        stored.complete(null);
    }

    @Override
    public boolean complete(Receipt receipt) {
        stored.complete(null); // a receipt comes only for a stored message
        return super.complete(receipt);
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        stored.completeExceptionally(failure); // no effect once the message was stored
        return super.completeExceptionally(failure);
    }
}
