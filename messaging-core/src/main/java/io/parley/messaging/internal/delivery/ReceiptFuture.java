package io.parley.messaging.internal.delivery;

import io.parley.messaging.Receipt;
import java.util.concurrent.CompletableFuture;

/**
 * The future {@code send} hands its caller, which is also the slot its message takes while the body waits in the
 * store: so a queued message costs the stream one reference, not a wrapper as well.
 */
public final class ReceiptFuture extends CompletableFuture<Receipt> implements Slot {

    @Override
    public ReceiptFuture future() {
        return this;
    }
}
