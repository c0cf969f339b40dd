package io.parley.messaging.internal.delivery;

import io.parley.messaging.Message;
import io.parley.messaging.MessagingException;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.PendingAck;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.store.DeliveryUpdate;
import io.parley.messaging.store.StoreException;
import io.parley.messaging.store.StoreUnavailableException;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch of the {@link StoreStage}: sorts its operations (asking {@link InboundStreams} which received messages
 * may be stored), commits them in one transaction, then passes the results on, each step on its own, so that one
 * that throws never keeps the others (acks, gate releases, futures) from happening.
 *
 * <p>A batch that fails, in a read while it is sorted or in its commit, stores nothing and answers every
 * operation in it: sends and outcomes fail, the connections of its received messages and Resumes are closed (the
 * senders send again when they reconnect), loads come back empty, barriers complete. A commit that fails because
 * the store cannot write for now ({@link StoreUnavailableException}) fails nothing: the batch stays as it was
 * sorted, nothing of it is passed on (no ack, no stored send), and the stage {@link #commit() commits} it again
 * later, whole, before anything else.
 *
 * <p>Made and run on the store thread.
 */
final class StoreBatch {

    private static final Logger log = LoggerFactory.getLogger(StoreBatch.class);

    /** This node's Resume on {@code session}, to write for {@code stream} once the batch is committed. */
    private record ResumeReply(OutboundStream stream, Session session, long heldSeq, long settledSeq) {
    }

    private final StoreStage stage;
    private final List<StoreOp> ops;
    private final List<OutboundMessage> sends = new ArrayList<>();
    private final List<StoreOp.Receive> receives = new ArrayList<>();
    private final List<Message> refused = new ArrayList<>();
    private final List<StoreOp.Outcome> outcomes = new ArrayList<>();
    private final List<Object> afterCommit = new ArrayList<>(); // loads, acks again, barriers, in queue order
    private final List<ResumeReply> resumes = new ArrayList<>();
    private final Set<Session> broken = new HashSet<>();
    private WriteBatch batch;
    private StoreUnavailableException unavailable;

    StoreBatch(StoreStage stage, List<StoreOp> ops) {
        this.stage = stage;
        this.ops = ops;
    }

    /**
     * Sorts the operations and commits them.
     *
     * @return false if the store cannot write for now: the batch is to be {@link #commit() committed} again
     */
    boolean run() {
        try {
            // Inside the try: the watermarks read here come from the store, and a read that fails fails the batch
            // like a write that fails, answering every operation in it.
            ops.forEach(this::sort);
        } catch (RuntimeException e) {
            fail(e);
            stage.sendsLeft(countSends(), sendBytes());
            return true;
        }
        batch = new WriteBatch(
                sends.stream().map(OutboundMessage::message).toList(),
                receives.stream().map(StoreOp.Receive::message).toList(),
                outcomes.stream().map(o -> new DeliveryUpdate(o.stream().peer(), o.seq(), o.status(),
                        o.receiverTimeMicros())).toList());
        return commit();
    }

    /**
     * Commits the sorted batch and passes the results on, or fails it.
     *
     * @return false if the store cannot write for now: nothing is stored or answered, and the batch is to be
     *     committed again
     */
    boolean commit() {
        WriteResult result;
        try {
            result = stage.store().apply(batch);
        } catch (StoreUnavailableException e) {
            unavailable = e;
            return false;
        } catch (RuntimeException e) {
            fail(e);
            stage.sendsLeft(countSends(), sendBytes());
            return true;
        }
        stage.sendsLeft(countSends(), sendBytes()); // committed, no longer queued
        passOn(result);
        return true;
    }

    /** Why the store could not write this batch, the last time it was tried; null if it could. */
    StoreUnavailableException unavailable() {
        return unavailable;
    }

    /** The node closes while this batch waits for the store: fails it, as a batch that could not be stored. */
    void abandon(RuntimeException cause) {
        fail(cause);
        stage.sendsLeft(countSends(), sendBytes());
    }

    private void passOn(WriteResult result) {
        step("releasing refused messages", () -> stage.gate().released(refused));
        // Before the streams have them: a receipt, on the same thread, never comes before its message is stored.
        step("completing stored sends", () -> stage.receipts().stored(sends));
        step("handing stored sends to their streams", this::passOnSends);
        step("acking received messages", () -> passOnReceives(result.received()));
        step("completing receipts", () -> stage.receipts().outcomes(outcomes));
        for (ResumeReply r : resumes) {
            // The stream writes it: so it is on the wire before any Envelope the stream writes after it.
            step("handing a Resume to its stream", () -> r.stream().onResumeReady(r.session(),
                    Frames.resume(r.heldSeq(), r.settledSeq())));
        }
        afterCommit.forEach(this::afterCommit);
    }

    private long sendBytes() {
        long bytes = 0;
        for (OutboundMessage m : sends) {
            bytes += m.message().payloadSize();
        }
        return bytes;
    }

    private int countSends() {
        int n = 0;
        for (StoreOp op : ops) {
            if (op instanceof StoreOp.Send) {
                n++;
            }
        }
        return n;
    }

    private void sort(StoreOp op) {
        if (op instanceof StoreOp.Send s) {
            sends.add(s.message());
        } else if (op instanceof StoreOp.Receive r) {
            receive(r);
        } else if (op instanceof StoreOp.Outcome o) {
            outcomes.add(o);
        } else if (op instanceof StoreOp.OwnResume r) {
            InboundStreams.OwnResume own = stage.inbound().ownResume(r.session());
            if (own.ackAgainAfter() < own.heldSeq()) {
                afterCommit.add(new StoreOp.AckAgain(r.session(), own.ackAgainAfter(), own.heldSeq()));
            }
            resumes.add(new ResumeReply(r.stream(), r.session(), own.heldSeq(), r.settledSeq()));
        } else if (op instanceof StoreOp.PeerResume p) {
            long held = stage.inbound().peerResume(p.session(), p.peerSettledSeq());
            if (p.peerSettledSeq() > held) {
                log.info("{}: {} has settled its stream up to {} and this store holds it up to {}; taking it up after {}",
                        stage.self(), p.session().peer(), p.peerSettledSeq(), held, p.peerSettledSeq());
            }
            afterCommit.add(new StoreOp.AckAgain(p.session(), p.peerSettledSeq(), held));
        } else if (op instanceof StoreOp.SessionEnded e) {
            stage.inbound().ended(e.session());
        } else {
            afterCommit.add(op); // loads and barriers see this batch committed
        }
    }

    private void receive(StoreOp.Receive r) {
        if (broken.contains(r.session())) {
            refused.add(r.message());
            return;
        }
        Message m = r.message();
        switch (stage.inbound().receive(r.session(), m.sequence(), r.previousSeq())) {
            case ACCEPT -> {
                receives.add(r);
                return;
            }
            case REPLACED_CONNECTION -> {
                log.debug("{}: dropping message {} from {} that came on a replaced connection; it is sent again on the "
                        + "new one", stage.self(), m.sequence(), m.sender());
                // A replaced connection is closing already. Should one ever stay open, its sender would wait for acks
                // that never come: closed, it reconnects and sends again.
                StoreStage.close(r.session(), Error.Code.CODE_DUPLICATE_CONNECTION, "this connection was replaced by a newer one");
            }
            case GAP -> {
                String reason = "sequence gap from " + m.sender() + ": holding up to "
                        + stage.inbound().held(m.sender(), m.senderIncarnation()) + ", got " + m.sequence()
                        + " following " + r.previousSeq();
                log.warn("{}: closing connection to {}: {}", stage.self(), m.sender(), reason);
                r.session().markClosing();
                StoreStage.close(r.session(), Error.Code.CODE_PROTOCOL_VIOLATION, reason);
            }
        }
        broken.add(r.session());
        refused.add(m);
    }

    private void passOnSends() {
        if (sends.isEmpty()) {
            return;
        }
        Map<OutboundStream, List<OutboundMessage>> byStream = new IdentityHashMap<>();
        for (OutboundMessage m : sends) {
            byStream.computeIfAbsent(m.stream(), l -> new ArrayList<>()).add(m);
        }
        byStream.forEach(OutboundStream::onStored);
    }

    private void passOnReceives(List<WriteResult.ReceiveOutcome> results) {
        if (receives.isEmpty()) {
            return;
        }
        Map<Session, List<PendingAck>> acks = new LinkedHashMap<>();
        List<Message> fresh = new ArrayList<>(receives.size());
        List<Message> duplicates = new ArrayList<>();
        for (int i = 0; i < receives.size(); i++) {
            StoreOp.Receive r = receives.get(i);
            WriteResult.ReceiveOutcome outcome = results.get(i);
            acks.computeIfAbsent(r.session(), s -> new ArrayList<>()).add(new PendingAck(r.message().sequence(),
                    outcome.receiverTimeMicros(), r.receiverHlc(),
                    outcome.duplicate() ? AckStatus.ACK_STATUS_DUPLICATE : AckStatus.ACK_STATUS_STORED, ""));
            (outcome.duplicate() ? duplicates : fresh).add(r.message());
        }
        stage.gate().released(duplicates);
        stage.listeners().deliver(fresh); // queued for the listener before the sender can learn of the ack
        acks.forEach(StoreStage::writeAcks);
    }

    private void afterCommit(Object op) {
        try {
            if (op instanceof StoreOp.Load l) {
                List<Message> pending = stage.store().pending(l.stream().peer(), l.afterSeq(), l.limit(), l.maxBytes());
                long bytes = 0;
                for (Message m : pending) {
                    bytes += m.payloadSize();
                }
                // Fewer than asked means nothing more is pending, unless the read stopped at its byte cap.
                l.stream().onLoaded(l.afterSeq(), l.limit(), pending, bytes < l.maxBytes());
            } else if (op instanceof StoreOp.AckAgain a) {
                stage.ackAgain(a.session(), a.after(), a.upTo());
            } else if (op instanceof StoreOp.Barrier b) {
                b.done().complete(null);
            }
        } catch (RuntimeException e) {
            log.error("{}: could not read the store for {}", stage.self(), op, e);
            if (op instanceof StoreOp.Load l) {
                l.stream().onLoaded(l.afterSeq(), l.limit(), List.of(), false); // tried again on its next pump
            } else if (op instanceof StoreOp.AckAgain a) {
                StoreStage.close(a.session(), Error.Code.CODE_INTERNAL,
                        "receiver could not read its store to acknowledge again; reconnect and retry");
            }
        }
    }

    /** Runs one step of passing results on; one that throws is logged and the next goes on. */
    private void step(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.error("{}: {} failed after a commit", stage.self(), what, e);
        }
    }

    /**
     * Answers every operation of a batch that could not be read for or committed: nothing in it was stored.
     * Received messages are not acked: their connections are closed (with those of Resumes, whose watermarks
     * counted them or may have moved), and the senders send them again when they reconnect; the watermarks are read
     * again from the store then. Sends and outcomes fail (sent messages whose outcome was not recorded stay PENDING
     * in the store); loads come back empty, to be asked again; barriers complete.
     */
    private void fail(RuntimeException e) {
        RuntimeException cause = e instanceof MessagingException ? e : new StoreException("store failed: " + e.getMessage(), e);
        List<OutboundMessage> failedSends = new ArrayList<>();
        List<Message> received = new ArrayList<>();
        List<StoreOp.Outcome> failedOutcomes = new ArrayList<>();
        Set<Session> sessions = new HashSet<>();
        for (StoreOp op : ops) {
            if (op instanceof StoreOp.Send s) {
                failedSends.add(s.message());
            } else if (op instanceof StoreOp.Receive r) {
                received.add(r.message());
                sessions.add(r.session());
            } else if (op instanceof StoreOp.Outcome o) {
                failedOutcomes.add(o);
            } else if (op instanceof StoreOp.OwnResume r) {
                sessions.add(r.session());
            } else if (op instanceof StoreOp.PeerResume p) {
                sessions.add(p.session()); // and its ack-again, made from it
            } else if (op instanceof StoreOp.AckAgain a) {
                sessions.add(a.session()); // the rest of an ack-again: the peer asks again when it reconnects
            } else if (op instanceof StoreOp.Load l) {
                step("answering a load", () -> l.stream().onLoaded(l.afterSeq(), l.limit(), List.of(), false));
            } else if (op instanceof StoreOp.SessionEnded ended) {
                stage.inbound().ended(ended.session());
            }
        }
        log.error("{}: could not store a batch of {} sent, {} received and {} delivered messages", stage.self(),
                failedSends.size(), received.size(), failedOutcomes.size(), e);
        // The stream skips the sequence numbers of sends that were not stored.
        failedSends.forEach(m -> m.stream().notStored(m));
        stage.receipts().settle(failedSends, OutboundMessage::stream, m -> m.future().completeExceptionally(cause));
        stage.gate().released(received);
        stage.inbound().forgetWatermarks();
        sessions.forEach(s -> StoreStage.close(s, Error.Code.CODE_INTERNAL, "receiver could not store messages; reconnect and retry"));
        stage.receipts().settle(failedOutcomes, StoreOp.Outcome::stream, o -> {
            if (o.future() != null) {
                o.future().completeExceptionally(new StoreException("the outcome (" + o.status() + ") of message "
                        + ReceiptCompletion.idOf(o) + " to " + o.stream().peer() + " could not be stored", cause));
            }
        });
        ops.forEach(op -> {
            if (op instanceof StoreOp.Barrier b) {
                b.done().complete(null);
            }
        });
    }
}
