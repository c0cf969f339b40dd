package io.parley.messaging.internal.delivery;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.transport.Session;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What the {@link StoreStage} is asked to do, in the order asked. */
sealed interface StoreOp {

    /** A new message this node sends: store it as PENDING, then hand it to its stream. */
    record Send(OutboundMessage message) implements StoreOp {
    }

    /** A message that arrived on {@code session}, following {@code previousSeq}: check, store, then ack. */
    record Receive(Session session, Message message, long previousSeq, HybridTimestamp receiverHlc) implements StoreOp {
    }

    /**
     * The outcome of a sent message, to store and then report to its future.
     *
     * @param message the message, if its body is in memory (needed for a receipt)
     * @param future the caller's future, if any
     * @param reason why it was rejected or expired
     */
    record Outcome(OutboundStream stream, long seq, OutboundMessage message, ReceiptFuture future,
                   DeliveryStatus status, long receiverTimeMicros, Duration roundTrip, String reason) implements StoreOp {
    }

    /** Up to {@code limit} pending messages of {@code stream} after {@code afterSeq}, read once the batch is committed. */
    record Load(OutboundStream stream, long afterSeq, int limit, long maxBytes) implements StoreOp {
    }

    /** This node's Resume on a new session of {@code stream}, whose own side is settled up to {@code settledSeq}. */
    record OwnResume(OutboundStream stream, Session session, long settledSeq) implements StoreOp {
    }

    /** The peer's Resume on {@code session}: its stream to this node is settled up to {@code peerSettledSeq}. */
    record PeerResume(Session session, long peerSettledSeq) implements StoreOp {
    }

    /**
     * Acks again, after the batch is committed, what the store holds of {@code session}'s stream in
     * {@code (after, upTo]}: from a Resume, or the rest of an ack-again once the connection took the page before.
     */
    record AckAgain(Session session, long after, long upTo) implements StoreOp {
    }

    /** {@code session} closed: forget it. */
    record SessionEnded(Session session) implements StoreOp {
    }

    /** Completes once everything queued before it is committed and passed on. */
    record Barrier(CompletableFuture<Void> done) implements StoreOp {
    }
}
