package io.parley.messaging.internal.delivery;

/**
 * What an outbound stream holds for one unsettled sequence number: the message with its body
 * ({@link OutboundMessage}), only the caller's future while the body waits in the store ({@link ReceiptFuture}), or,
 * for a message reloaded after a restart whose body is in the store and that no caller waits for,
 * {@link Reloaded#INSTANCE}. No slot costs more than the reference to it, beyond what the caller holds anyway.
 */
sealed interface Slot permits OutboundMessage, ReceiptFuture, Slot.Reloaded {

    /** The future a caller waits on, or null if none does. */
    ReceiptFuture future();

    /** A slot whose body is in the store and for which no caller waits. */
    enum Reloaded implements Slot {
        INSTANCE;

        @Override
        public ReceiptFuture future() {
            return null;
        }
    }
}
