package io.parley.messaging.internal.delivery;

import io.parley.messaging.BackpressureException;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.UnknownPeerException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The callers' half of an {@link OutboundStream}: whether a new message to the peer is taken (the node's byte budget,
 * the stream's count of messages without an outcome, the store's backlog) and, if it is, its sequence number.
 *
 * <p><b>Threads.</b> Called on the threads of whoever sends. Numbering and retirement are guarded by this object's
 * lock, so that sequence, clock and store order agree; the count of outstanding messages is atomic, because the
 * stream's home loop gives room back as messages settle. Nothing here blocks beyond that short lock.
 */
final class SendAdmission {

    private final NodeId peer;
    private final OutboundContext ctx;
    private final Object lock = new Object();
    private long nextSeq; // guarded by lock
    private boolean retired; // guarded by lock: the peer was forgotten before this stream numbered a message
    private final AtomicInteger outstanding = new AtomicInteger();

    SendAdmission(NodeId peer, OutboundContext ctx) {
        this.peer = peer;
        this.ctx = ctx;
    }

    /** Messages without a stored outcome yet, including those reloaded after a restart. */
    int outstanding() {
        return outstanding.get();
    }

    /** {@code delta} messages were reloaded (positive) or reached a final state (negative). Any thread. */
    void adjust(int delta) {
        outstanding.addAndGet(delta);
    }

    /** Numbering goes on after {@code lastSequence}, the last one the store holds. Called once, before sending. */
    void restore(long lastSequence) {
        synchronized (lock) {
            nextSeq = lastSequence;
        }
    }

    /**
     * Numbers a new message with {@code factory(seq)} and queues it for the store, or fails the future at once with
     * the reason it is refused. A factory that throws takes no sequence number and no room.
     */
    ReceiptFuture send(int payloadBytes, LongFunction<Message> factory, OutboundStream stream) {
        ReceiptFuture future = new ReceiptFuture();
        if (!ctx.bounds().takeForSend(payloadBytes)) {
            future.completeExceptionally(ctx.bounds().refusal(ctx.store().self(), payloadBytes));
            return future;
        }
        try {
            return queue(future, payloadBytes, factory, stream);
        } catch (RuntimeException | Error e) {
            ctx.bounds().giveBack(payloadBytes);
            throw e;
        }
    }

    private ReceiptFuture queue(ReceiptFuture future, int payloadBytes, LongFunction<Message> factory,
                                OutboundStream stream) {
        if (outstanding.incrementAndGet() > ctx.maxUnacknowledged()) {
            outstanding.decrementAndGet();
            ctx.bounds().giveBack(payloadBytes);
            future.completeExceptionally(new BackpressureException(ctx.maxUnacknowledged() + " messages to " + peer
                    + " are already waiting for acknowledgement; retry once some are delivered"));
            return future;
        }
        String full = ctx.store().reserveSend(payloadBytes);
        if (full != null) {
            outstanding.decrementAndGet();
            ctx.bounds().giveBack(payloadBytes);
            future.completeExceptionally(new BackpressureException(full + "; retry once it has caught up"));
            return future;
        }
        try {
            synchronized (lock) {
                if (retired) {
                    outstanding.decrementAndGet();
                    ctx.store().unreserveSend(payloadBytes);
                    future.completeExceptionally(new UnknownPeerException("peer '" + peer + "' was forgotten"));
                    return future;
                }
                Message m = factory.apply(nextSeq + 1);
                nextSeq++;
                ctx.store().submitSend(new OutboundMessage(m, future, stream));
            }
        } catch (RuntimeException | Error e) {
            outstanding.decrementAndGet();
            ctx.store().unreserveSend(payloadBytes);
            throw e;
        }
        return future;
    }

    /** Retires the stream if it never numbered a message and nothing waits in it; whether it is retired. */
    boolean retireIfUnused() {
        synchronized (lock) {
            if (nextSeq == 0 && outstanding.get() == 0) {
                retired = true;
            }
            return retired;
        }
    }
}
