package io.parley.messaging.internal.delivery;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.parley.messaging.DeliveryRejectedException;
import io.parley.messaging.MessageExpiredException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.PendingAck;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.store.DeliveryUpdate;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.store.StoreException;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one store thread. Sends, receipts and acks queue up here from user threads and event loops; the
 * thread takes whatever has queued, commits it as one {@link WriteBatch}, and only then lets the results go
 * on: sent messages to their links (so nothing reaches the wire before it is stored), acks to the wire and
 * received messages to the listener (so nothing is acked before it is stored), receipts to their futures.
 *
 * <p>It also checks the order of each incoming stream: a sequence number beyond the next expected one means the
 * peer skipped messages, and its connection is closed rather than anything stored out of order. And it takes each
 * stream only from the connection this node last sent its Resume on: once that Resume has told the sender how far
 * the stream is held, what a replaced connection still brings in is dropped, and comes again on the new one.
 *
 * <p>A batch that fails, in a read while it is sorted or in its commit, stores nothing and answers every
 * operation in it: sends and outcomes fail, the connections of its received messages and Resumes are closed (the
 * senders send again when they reconnect), loads come back empty, barriers complete.
 */
public final class StoreStage implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoreStage.class);

    /** Most operations committed in one batch. */
    public static final int MAX_BATCH = 4096;

    /**
     * Most sends queued for the store and not yet committed, over all peers. Past it {@code send} fails fast: the
     * store is behind, and queuing more would only fill the heap with messages it has not written.
     */
    public static final int MAX_UNCOMMITTED_SENDS = 16 * MAX_BATCH;

    private sealed interface Op permits SendOp, ReceiveOp, Outcome, LoadOp, ResumeOp, PeerResumedOp, AckAgainOp, BarrierOp {
    }

    private record SendOp(OutboundMessage message) implements Op {
    }

    private record ReceiveOp(Session session, Message message, long previousSeq, HybridTimestamp receiverHlc)
            implements Op {
    }

    /**
     * The outcome of a sent message, to store and then report to its future.
     *
     * @param message the message, if its body is in memory (needed for a receipt)
     * @param future the caller's future, if any
     * @param reason why it was rejected or expired
     */
    public record Outcome(PeerLink link, long seq, OutboundMessage message, CompletableFuture<Receipt> future,
                          DeliveryStatus status, long receiverTimeMicros, Duration roundTrip, String reason)
            implements Op {
    }

    private record LoadOp(PeerLink link, long afterSeq, int limit) implements Op {
    }

    private record ResumeOp(PeerLink link, Session session, long settledSeq) implements Op {
    }

    private record PeerResumedOp(Session session, long peerSettledSeq) implements Op {
    }

    /** Ack again, after the commit, what this store holds of {@code session}'s stream in {@code (afterSeq, upToSeq]}. */
    private record AckAgainOp(Session session, long afterSeq, long upToSeq) implements Op {
    }

    private record BarrierOp(CompletableFuture<Void> done) implements Op {
    }

    private record StreamKey(NodeId sender, long incarnation) {
        static StreamKey of(Session session) {
            return new StreamKey(session.peer(), session.peerIncarnation());
        }

    }

    private final NodeId self;
    private final MessageStore store;
    private final Executor receipts;
    private final ListenerDispatcher listeners;
    // Lock-free, so that an event loop handing work over never waits for a lock; the store thread parks when idle.
    private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
    private volatile boolean idle;
    private final java.util.concurrent.atomic.AtomicInteger uncommittedSends = new java.util.concurrent.atomic.AtomicInteger();
    // The highest sequence stored (or taken as settled) of each incoming stream, read from the store once.
    private final Map<StreamKey, Long> watermarks = new HashMap<>();
    // Per session, between the store thread meeting one of its two Resumes and the other: after the peer's, how far
    // its Resume had this store ack again; after this node's own, OWN_RESUME_FIRST. Weak, for sessions that close
    // in between.
    private final Map<Session, Long> halfResumed = new WeakHashMap<>();
    private static final long OWN_RESUME_FIRST = Long.MIN_VALUE;
    // Per stream, the session this node last sent its Resume on: the only one its messages are taken from.
    private final Map<StreamKey, Session> resumedSessions = new HashMap<>();
    private final Thread thread;
    private final InboundGate gate;
    private volatile boolean stopping;

    public StoreStage(NodeId self, MessageStore store, Executor receipts, ListenerDispatcher listeners, InboundGate gate,
                      java.util.concurrent.ThreadFactory threads) {
        this.self = self;
        this.gate = gate;
        this.store = store;
        this.receipts = receipts;
        this.listeners = listeners;
        this.thread = threads.newThread(this::run);
    }

    public void start() {
        thread.start();
    }

    NodeId self() {
        return self;
    }

    /**
     * Takes room for one more send in the store's queue.
     *
     * @return false if {@link #MAX_UNCOMMITTED_SENDS} sends already wait to be committed
     */
    boolean reserveSend() {
        if (uncommittedSends.incrementAndGet() > MAX_UNCOMMITTED_SENDS) {
            uncommittedSends.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Queues a new sent message, for which {@link #reserveSend} made room, for storing; its link gets it once committed. */
    void submitSend(OutboundMessage message) {
        enqueue(new SendOp(message));
    }

    /**
     * Queues a received message; it is acked on {@code session} once committed. The {@link InboundGate} stops
     * reading the connection while too many received messages wait.
     */
    public void submitReceive(Session session, Message message, long previousSeq, HybridTimestamp receiverHlc) {
        gate.admitted(session.channel(), message.payloadSize());
        enqueue(new ReceiveOp(session, message, previousSeq, receiverHlc));
    }

    /** Queues the outcome of a sent message; its future completes once committed. */
    void submitDelivery(Outcome outcome) {
        enqueue(outcome);
    }

    /** Asks for up to {@code limit} pending messages of {@code link}'s stream after {@code afterSeq}. */
    void submitLoad(PeerLink link, long afterSeq, int limit) {
        enqueue(new LoadOp(link, afterSeq, limit));
    }

    /**
     * Sends this node's Resume on a new session, once everything received before it is committed: how far the
     * peer's stream is stored here, and {@code settledSeq}, how far this node's stream to the peer is settled.
     * Then tells {@code link}, which sends no Envelope on the session before that.
     */
    void submitResume(PeerLink link, Session session, long settledSeq) {
        enqueue(new ResumeOp(link, session, settledSeq));
    }

    /**
     * The peer's Resume arrived: its stream to this node is settled up to {@code peerSettledSeq}. Acks again what
     * is stored above that, and takes the stream up after it if this store holds less.
     */
    public void submitPeerResumed(Session session, long peerSettledSeq) {
        enqueue(new PeerResumedOp(session, peerSettledSeq));
    }

    /** A future that completes once everything queued before it is committed and passed on. */
    public CompletableFuture<Void> barrier() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new BarrierOp(done));
        return done;
    }

    private void enqueue(Op op) {
        queue.add(op);
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        List<Op> ops = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                Op op;
                while (ops.size() < MAX_BATCH && (op = queue.poll()) != null) {
                    ops.add(op);
                }
                if (ops.isEmpty()) {
                    if (stopping) {
                        return;
                    }
                    idle = true;
                    if (queue.isEmpty()) { // checked after idle is set, so an enqueue in between unparks us
                        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    idle = false;
                    continue;
                }
                process(ops);
            } catch (RuntimeException | java.lang.Error e) {
                log.error("{}: store thread failed on a batch of {} operations", self, ops.size(), e);
            } finally {
                ops.clear();
            }
        }
    }

    private void process(List<Op> ops) {
        List<OutboundMessage> sends = new ArrayList<>();
        List<ReceiveOp> receives = new ArrayList<>();
        List<Message> refused = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        List<Op> afterCommit = new ArrayList<>();
        List<ResumeReply> resumes = new ArrayList<>();
        Set<Session> broken = new HashSet<>();
        WriteResult result;
        try {
            // Inside the try: the watermarks read here come from the store, and a read that fails fails the batch
            // like a write that fails, answering every operation in it.
            for (Op op : ops) {
                if (op instanceof SendOp s) {
                    sends.add(s.message());
                } else if (op instanceof ReceiveOp r) {
                    if (!broken.contains(r.session()) && fromResumedSession(r) && inOrder(r)) {
                        receives.add(r);
                    } else {
                        broken.add(r.session());
                        refused.add(r.message());
                    }
                } else if (op instanceof Outcome o) {
                    outcomes.add(o);
                } else if (op instanceof ResumeOp r) {
                    resumes.add(resume(r, afterCommit));
                } else if (op instanceof PeerResumedOp p) {
                    peerResumed(p, afterCommit);
                } else {
                    afterCommit.add(op); // loads and barriers see this batch committed
                }
            }
            result = store.apply(new WriteBatch(
                    sends.stream().map(OutboundMessage::message).toList(),
                    receives.stream().map(ReceiveOp::message).toList(),
                    outcomes.stream().map(o -> new DeliveryUpdate(o.link().peer(), o.seq(), o.status(), o.receiverTimeMicros())).toList()));
        } catch (RuntimeException e) {
            failBatch(e, ops);
            return;
        } finally {
            uncommittedSends.addAndGet(-countSends(ops)); // committed or failed, either way no longer queued
        }
        gate.released(refused);
        passOnSends(sends);
        passOnReceives(receives, result.received());
        passOnOutcomes(outcomes);
        for (ResumeReply r : resumes) {
            // Queued on the channel before the link hears of it, so its Envelopes follow it on the wire.
            write(r.session(), Frames.resume(r.watermark(), r.settledSeq()));
            r.link().onResumeSent(r.session());
        }
        for (Op op : afterCommit) {
            try {
                if (op instanceof LoadOp l) {
                    l.link().onLoaded(l.afterSeq(), l.limit(), store.pending(l.link().peer(), l.afterSeq(), l.limit()));
                } else if (op instanceof AckAgainOp a) {
                    ackAgain(a.session(), a.afterSeq(), a.upToSeq());
                } else if (op instanceof BarrierOp b) {
                    b.done().complete(null);
                }
            } catch (RuntimeException e) {
                log.error("{}: could not read the store for {}", self, op, e);
                if (op instanceof LoadOp l) {
                    l.link().onLoaded(l.afterSeq(), l.limit(), List.of()); // tried again on its next pump
                } else if (op instanceof AckAgainOp a) {
                    close(a.session(), Error.Code.CODE_INTERNAL,
                            "receiver could not read its store to acknowledge again; reconnect and retry");
                }
            }
        }
    }

    private static int countSends(List<Op> ops) {
        int n = 0;
        for (Op op : ops) {
            if (op instanceof SendOp) {
                n++;
            }
        }
        return n;
    }

    /**
     * This node's Resume on a new session: how far the peer's stream is held as of this point in the queue (what
     * came before is in this batch or an earlier one). From here on that session is the stream's only way in.
     */
    private ResumeReply resume(ResumeOp r, List<Op> afterCommit) {
        StreamKey key = StreamKey.of(r.session());
        long held = watermark(key);
        resumedSessions.put(key, r.session());
        Long ackedAgain = halfResumed.remove(r.session());
        if (ackedAgain == null) {
            halfResumed.put(r.session(), OWN_RESUME_FIRST);
        } else if (held > ackedAgain) {
            // The peer's Resume came first, then messages on an older connection (their acks went to it, and may be
            // lost with it). This Resume tells the peer they are held, so it will not send them again: ack them
            // again here.
            afterCommit.add(new AckAgainOp(r.session(), ackedAgain, held));
        }
        return new ResumeReply(r.link(), r.session(), held, r.settledSeq());
    }

    /**
     * The peer's Resume: its stream is settled up to {@code peerSettledSeq}. Acks again what was held before this
     * point in the queue (what arrives later is acked as it is committed), and takes the stream up after the
     * settled point if this store holds less.
     */
    private void peerResumed(PeerResumedOp p, List<Op> afterCommit) {
        StreamKey key = StreamKey.of(p.session());
        long held = watermark(key);
        if (p.peerSettledSeq() > held) {
            log.info("{}: {} has settled its stream up to {} and this store holds it up to {}; taking it up after {}",
                    self, p.session().peer(), p.peerSettledSeq(), held, p.peerSettledSeq());
            watermarks.put(key, p.peerSettledSeq());
        }
        afterCommit.add(new AckAgainOp(p.session(), p.peerSettledSeq(), held));
        if (halfResumed.remove(p.session()) == null) {
            halfResumed.put(p.session(), Math.max(held, p.peerSettledSeq()));
        }
    }

    /**
     * Whether {@code r} came on the session this node last sent its Resume on for the stream (or on the one before,
     * while no Resume went out on a newer one). A message that was still on its way in on a replaced connection
     * when the new one's Resume told the sender how far the stream is held is not stored: the sender sends it again
     * on the new connection, and storing this copy could put it after later ones, or store a message the sender
     * has meanwhile withdrawn as expired. The connection it came on is closed, if it is not closed already.
     */
    private boolean fromResumedSession(ReceiveOp r) {
        Session resumed = resumedSessions.get(StreamKey.of(r.session()));
        if (resumed == null || resumed == r.session()) {
            return true;
        }
        log.debug("{}: dropping message {} from {} that came on a replaced connection; it is sent again on the new one",
                self, r.message().sequence(), r.session().peer());
        // A replaced connection is closing already. Should one ever stay open, its sender would wait for acks that
        // never come: closed, it reconnects and sends again.
        close(r.session(), Error.Code.CODE_DUPLICATE_CONNECTION, "this connection was replaced by a newer one");
        return false;
    }

    /** This node's Resume on {@code session}, to send for {@code link} once the batch is committed. */
    private record ResumeReply(PeerLink link, Session session, long watermark, long settledSeq) {
    }

    private long watermark(StreamKey key) {
        return watermarks.computeIfAbsent(key, k -> store.receivedWatermark(k.sender(), k.incarnation()));
    }

    /**
     * The stream arrives in order: the next message names the highest stored one as its predecessor (the sender
     * withdrew any in between). Anything at or below that is a duplicate, stored once and acked again. Anything
     * else means the peer skipped messages: its connection is closed rather than anything stored out of order.
     */
    private boolean inOrder(ReceiveOp r) {
        Message m = r.message();
        StreamKey key = new StreamKey(m.sender(), m.senderIncarnation());
        long held = watermark(key);
        if (m.sequence() <= held) {
            return true;
        }
        if (r.previousSeq() == held) {
            watermarks.put(key, m.sequence());
            return true;
        }
        String reason = "sequence gap from " + m.sender() + ": holding up to " + held + ", got " + m.sequence()
                + " following " + r.previousSeq();
        log.warn("{}: closing connection to {}: {}", self, m.sender(), reason);
        r.session().markClosing();
        close(r.session(), Error.Code.CODE_PROTOCOL_VIOLATION, reason);
        return false;
    }

    /** Acks again the messages of {@code session}'s stream stored in {@code (afterSeq, upToSeq]}, a page at a time. */
    private void ackAgain(Session session, long afterSeq, long upToSeq) {
        long after = afterSeq;
        while (after < upToSeq && session.isActive()) {
            List<Message> page = store.received(session.peer(), session.peerIncarnation(), after, MAX_BATCH);
            List<PendingAck> acks = new ArrayList<>(page.size());
            for (Message m : page) {
                if (m.sequence() > upToSeq) {
                    break;
                }
                acks.add(new PendingAck(m.sequence(), m.receiverTimeMicros(), m.hlc(), AckStatus.ACK_STATUS_DUPLICATE, ""));
            }
            if (acks.isEmpty()) {
                return;
            }
            writeAcks(session, acks);
            after = acks.get(acks.size() - 1).seq();
        }
    }

    private static void write(Session session, Frame frame) {
        Channel ch = session.channel();
        if (ch.isActive()) {
            ch.writeAndFlush(frame, ch.voidPromise());
        }
    }

    private void passOnSends(List<OutboundMessage> sends) {
        if (sends.isEmpty()) {
            return;
        }
        Map<PeerLink, List<OutboundMessage>> byLink = new IdentityHashMap<>();
        for (OutboundMessage m : sends) {
            byLink.computeIfAbsent(m.link(), l -> new ArrayList<>()).add(m);
        }
        byLink.forEach(PeerLink::onStored);
    }

    private void passOnReceives(List<ReceiveOp> receives, List<WriteResult.ReceiveOutcome> outcomes) {
        if (receives.isEmpty()) {
            return;
        }
        Map<Session, List<PendingAck>> acks = new LinkedHashMap<>();
        List<Message> fresh = new ArrayList<>(receives.size());
        List<Message> duplicates = new ArrayList<>();
        for (int i = 0; i < receives.size(); i++) {
            ReceiveOp r = receives.get(i);
            WriteResult.ReceiveOutcome outcome = outcomes.get(i);
            acks.computeIfAbsent(r.session(), s -> new ArrayList<>()).add(new PendingAck(r.message().sequence(),
                    outcome.receiverTimeMicros(), r.receiverHlc(),
                    outcome.duplicate() ? AckStatus.ACK_STATUS_DUPLICATE : AckStatus.ACK_STATUS_STORED, ""));
            if (outcome.duplicate()) {
                duplicates.add(r.message());
            } else {
                fresh.add(r.message());
            }
        }
        gate.released(duplicates);
        listeners.deliver(fresh); // queued for the listener before the sender can learn of the ack
        acks.forEach(StoreStage::writeAcks);
    }

    private static void writeAcks(Session session, List<PendingAck> acks) {
        Channel ch = session.channel();
        if (!ch.isActive()) {
            return; // the sender retransmits on its next connection, and the duplicate is acked then
        }
        ch.eventLoop().execute(() -> {
            for (PendingAck ack : acks) {
                ch.write(ack, ch.voidPromise());
            }
            ch.flush();
        });
    }

    private void passOnOutcomes(List<Outcome> outcomes) {
        settle(outcomes, Outcome::link, o -> {
            CompletableFuture<Receipt> f = o.future();
            if (f == null) {
                return;
            }
            NodeId peer = o.link().peer();
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
        });
    }

    private static String idOf(Outcome o) {
        return o.message() != null ? o.message().message().id().toString() : "#" + o.seq();
    }

    /**
     * Completes the futures of sent messages that reached a final state, on the receipt thread, and only then
     * releases them from their links: they count as outstanding until their callbacks have run, so slow receipt
     * callbacks hold back {@code send()}.
     */
    private <T> void settle(List<T> items, Function<T, PeerLink> link, Consumer<T> complete) {
        if (items.isEmpty()) {
            return;
        }
        receipts.execute(() -> {
            Map<PeerLink, Integer> perLink = new IdentityHashMap<>();
            for (T item : items) {
                complete.accept(item);
                perLink.merge(link.apply(item), 1, Integer::sum);
            }
            perLink.forEach(PeerLink::released);
        });
    }

    /**
     * Answers every operation of a batch that could not be read for or committed: nothing in it was stored.
     * Received messages are not acked: their connections are closed (with those of Resumes, whose watermarks
     * counted them or may have moved), and the senders send them again when they reconnect; the watermarks are read
     * again from the store then. Sends and outcomes fail (sent messages whose outcome was not recorded stay PENDING
     * in the store); loads come back empty, to be asked again; barriers complete.
     */
    private void failBatch(RuntimeException e, List<Op> ops) {
        StoreException cause = e instanceof StoreException se ? se : new StoreException("store failed: " + e.getMessage(), e);
        List<OutboundMessage> sends = new ArrayList<>();
        List<Message> received = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        Set<Session> sessions = new HashSet<>();
        for (Op op : ops) {
            if (op instanceof SendOp s) {
                sends.add(s.message());
            } else if (op instanceof ReceiveOp r) {
                received.add(r.message());
                sessions.add(r.session());
            } else if (op instanceof Outcome o) {
                outcomes.add(o);
            } else if (op instanceof ResumeOp r) {
                sessions.add(r.session());
            } else if (op instanceof PeerResumedOp p) {
                sessions.add(p.session()); // and its ack-again, made from it
            } else if (op instanceof LoadOp l) {
                l.link().onLoaded(l.afterSeq(), l.limit(), List.of());
            }
        }
        log.error("{}: could not store a batch of {} sent, {} received and {} delivered messages", self, sends.size(),
                received.size(), outcomes.size(), e);
        // The link skips the sequence numbers of sends that were not stored.
        settle(sends, OutboundMessage::link, m -> m.future().completeExceptionally(cause));
        gate.released(received);
        watermarks.clear();
        sessions.forEach(s -> close(s, Error.Code.CODE_INTERNAL, "receiver could not store messages; reconnect and retry"));
        settle(outcomes, Outcome::link, o -> {
            if (o.future() != null) {
                o.future().completeExceptionally(new StoreException("the outcome (" + o.status() + ") of message " + idOf(o)
                        + " to " + o.link().peer() + " could not be stored", cause));
            }
        });
        ops.forEach(op -> {
            if (op instanceof BarrierOp b) {
                b.done().complete(null);
            }
        });
    }

    /** Tells the peer why with an Error frame, then closes the connection (if it is not closed already). */
    private static void close(Session session, Error.Code code, String why) {
        Channel ch = session.channel();
        if (ch.isActive()) {
            ch.writeAndFlush(Frames.error(code, why)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Commits what is queued, then stops the thread; waits for it at most 30 s. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
