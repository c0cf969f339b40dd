package io.parley.messaging.internal.delivery;

import io.parley.messaging.DeliveryRejectedException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.MessageExpiredException;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.internal.delivery.StoreOp.Outcome;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the futures of sent messages that reached a final state, on the node's receipt thread, and only then
 * releases them from their streams: they count as outstanding until their callbacks have run, so slow receipt
 * callbacks hold back {@code send()}. Once the receipt thread is gone (the node closed), what is left completes on
 * the calling thread, so no future is ever left waiting.
 */
final class ReceiptCompletion {

    private static final Logger log = LoggerFactory.getLogger(ReceiptCompletion.class);

    private final Executor receipts;

    ReceiptCompletion(Executor receipts) {
        this.receipts = receipts;
    }

    /** Completes the future of each stored outcome: a receipt for DELIVERED, an exception for the others. */
    void outcomes(List<Outcome> outcomes) {
        settle(outcomes, Outcome::stream, ReceiptCompletion::complete);
    }

    /** Completes the {@link ReceiptFuture#stored()} future of each message, committed now, on the receipt thread. */
    void stored(List<OutboundMessage> committed) {
        Runnable task = () -> {
            for (OutboundMessage m : committed) {
                if (m.future() != null) {
                    m.future().markStored();
                }
            }
        };
        try {
            receipts.execute(task);
        } catch (RejectedExecutionException closed) {
            task.run();
        }
    }

    /** Fails each future with {@code cause}; each counts as settled on its stream afterwards. */
    void fail(List<ReceiptFuture> futures, OutboundStream stream, Throwable cause) {
        settle(futures, f -> stream, f -> f.completeExceptionally(cause));
    }

    /**
     * Runs {@code complete} on each item on the receipt thread, then releases them from their streams. An item
     * that throws is logged and the rest go on.
     */
    <T> void settle(List<T> items, Function<T, OutboundStream> stream, Consumer<T> complete) {
        if (items.isEmpty()) {
            return;
        }
        Runnable task = () -> {
            Map<OutboundStream, Integer> perStream = new IdentityHashMap<>();
            for (T item : items) {
                try {
                    complete.accept(item);
                } catch (RuntimeException e) {
                    log.error("completing a receipt failed", e);
                }
                perStream.merge(stream.apply(item), 1, Integer::sum);
            }
            perStream.forEach(OutboundStream::released);
        };
        try {
            receipts.execute(task);
        } catch (RejectedExecutionException closed) {
            task.run();
        }
    }

    private static void complete(Outcome o) {
        ReceiptFuture f = o.future();
        if (f == null) {
            return;
        }
        NodeId peer = o.stream().peer();
        switch (o.status()) {
            case DELIVERED -> {
                if (o.message() == null) {
                    f.completeExceptionally(new IllegalStateException("message " + o.seq() + " to " + peer
                            + " was delivered, but its body was not in memory to make a receipt"));
                    return;
                }
                Message m = o.message().message();
                f.complete(new Receipt(m.id(), peer, m.senderTimeMicros(), o.receiverTimeMicros(), o.roundTrip(),
                        DeliveryStatus.DELIVERED));
            }
            case REJECTED -> f.completeExceptionally(new DeliveryRejectedException(peer + " rejected message "
                    + idOf(o) + ": " + o.reason()));
            default -> f.completeExceptionally(new MessageExpiredException("message " + idOf(o) + " to " + peer
                    + " expired: " + o.reason()));
        }
    }

    /** The message's id, or its sequence number if its body is not in memory. */
    static String idOf(Outcome o) {
        return o.message() != null ? o.message().message().id().toString() : "#" + o.seq();
    }
}
