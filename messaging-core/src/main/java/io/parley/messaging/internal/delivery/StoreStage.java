package io.parley.messaging.internal.delivery;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.parley.messaging.Message;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.Limit;
import io.parley.messaging.StoreHealth;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.Agent;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.PendingAck;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's store stage, an {@link Agent}: sends, outcomes and received messages queue up here from user threads
 * and event loops, and each {@link #doWork()} takes what has queued (up to {@link #MAX_BATCH}), commits it as one
 * batch, and only then lets the results go on: sent messages to their streams (so nothing reaches the wire before
 * it is stored), acks to the wire and received messages to the listener (so nothing is acked before it is
 * stored), receipts to their futures. Which received messages may be stored is {@link InboundStreams}' call; the
 * batch itself is a {@link StoreBatch}.
 *
 * <p><b>A store that cannot write.</b> A batch whose commit fails with {@link StoreUnavailableException} (a full
 * disk, I/O errors, a read-only file system, the store's free-space floor) is held by the {@link StoreOutage} and
 * committed again before anything else; meanwhile the node is degraded ({@link #health()}).
 *
 * <p><b>Threads.</b> All state but the queue belongs to the one thread that calls {@link #doWork()}: the node's
 * store thread (an {@code AgentRunner}), or a test stepping it. Submitting never blocks. Once {@link #close()} was
 * called, anything submitted fails at once (a send's future with {@link NodeClosedException}), checked against the
 * same flag that ends the stage, so nothing handed in is ever left without an answer.
 */
public final class StoreStage implements Agent {

    private static final Logger log = LoggerFactory.getLogger(StoreStage.class);

    /** Most operations committed in one batch. */
    public static final int MAX_BATCH = 4096;

    /**
     * Most sends queued for the store and not yet committed, over all peers. Past it {@code send} fails fast: the
     * store is behind, and queuing more would only fill the heap with messages it has not written.
     */
    public static final int MAX_UNCOMMITTED_SENDS = 16 * MAX_BATCH;

    private final NodeId self;
    private final MessageStore store;
    private final ReceiptCompletion receipts;
    private final ListenerDispatcher listeners;
    private final InboundGate gate;
    private final InboundStreams inbound;
    // Lock-free, so that an event loop handing work over never waits for a lock.
    private final ConcurrentLinkedQueue<StoreOp> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger uncommittedSends = new AtomicInteger();
    private final AtomicLong uncommittedSendBytes = new AtomicLong();
    private final long maxUncommittedSendBytes;
    private final LimitCounters limits;
    private List<StoreOp> ops = new ArrayList<>(MAX_BATCH);
    private final StoreOutage outage;
    private volatile Runnable wakeUp = () -> { };
    private volatile boolean closed;
    private final NodeClosedException closedCause;

    StoreStage(NodeId self, MessageStore store, ReceiptCompletion receipts, ListenerDispatcher listeners, InboundGate gate) {
        this(self, store, receipts, listeners, gate, Long.MAX_VALUE, new LimitCounters());
    }

    /**
     * @param maxUncommittedSendBytes most payload bytes of sends waiting to be committed (a body is in memory until
     *     it is stored, whatever the store): past it a send is refused at once
     * @param limits where that bound is counted when reached
     */
    StoreStage(NodeId self, MessageStore store, ReceiptCompletion receipts, ListenerDispatcher listeners, InboundGate gate,
               long maxUncommittedSendBytes, LimitCounters limits) {
        this.maxUncommittedSendBytes = maxUncommittedSendBytes;
        this.limits = limits;
        this.self = self;
        this.store = store;
        this.receipts = receipts;
        this.listeners = listeners;
        this.gate = gate;
        this.inbound = new InboundStreams(store::receivedWatermark);
        this.outage = new StoreOutage(self, gate);
        this.closedCause = new NodeClosedException("node " + self + " is closed; its store takes nothing more");
    }

    /** Called whenever something is queued: the runner's wake-up. */
    void onSubmit(Runnable wake) {
        this.wakeUp = wake;
    }

    @Override
    public String roleName() {
        return self + " store";
    }

    NodeId self() {
        return self;
    }

    MessageStore store() {
        return store;
    }

    InboundStreams inbound() {
        return inbound;
    }

    /**
     * Takes room for one more send of {@code payloadBytes} in the store's queue: at most
     * {@link #MAX_UNCOMMITTED_SENDS} sends and {@code maxUncommittedSendBytes} of their payloads wait to be committed
     * (one send always fits in an empty queue, whatever its size).
     *
     * @return null if there is room, otherwise why not, in words
     */
    String reserveSend(int payloadBytes) {
        if (uncommittedSends.incrementAndGet() > MAX_UNCOMMITTED_SENDS) {
            uncommittedSends.decrementAndGet();
            return "the store of node " + self + " has " + MAX_UNCOMMITTED_SENDS + " messages still to write";
        }
        long bytes = uncommittedSendBytes.addAndGet(payloadBytes);
        if (bytes > maxUncommittedSendBytes && bytes != payloadBytes) {
            uncommittedSendBytes.addAndGet(-payloadBytes);
            uncommittedSends.decrementAndGet();
            limits.reached(Limit.BODY_BYTES_IN_MEMORY);
            return "the store of node " + self + " has " + (bytes - payloadBytes) + " bytes of payloads still to write,"
                    + " and " + payloadBytes + " more would pass maxBodyBytesInMemory (" + maxUncommittedSendBytes + ")";
        }
        return null;
    }

    /** Gives back the room {@link #reserveSend} took, for a send that was never submitted. */
    void unreserveSend(int payloadBytes) {
        uncommittedSends.decrementAndGet();
        uncommittedSendBytes.addAndGet(-payloadBytes);
    }

    /** Queues a new sent message, for which {@link #reserveSend} made room; its stream gets it once committed. */
    void submitSend(OutboundMessage message) {
        enqueue(new StoreOp.Send(message));
    }

    /**
     * Queues a received message; it is acked on {@code session} once committed. The {@link InboundGate} stops
     * reading the connection while too many received messages wait.
     */
    public void submitReceive(Session session, Message message, long previousSeq, HybridTimestamp receiverHlc) {
        gate.admitted(session.channel(), message.sender(), message.payloadSize());
        enqueue(new StoreOp.Receive(session, message, previousSeq, receiverHlc));
    }

    /** Queues the outcome of a sent message; its future completes once committed. */
    void submitDelivery(StoreOp.Outcome outcome) {
        enqueue(outcome);
    }

    /**
     * Asks for up to {@code limit} pending messages of {@code stream} after {@code afterSeq}, and no more than about
     * {@code maxBytes} of their payloads (at least one message).
     */
    void submitLoad(OutboundStream stream, long afterSeq, int limit, long maxBytes) {
        enqueue(new StoreOp.Load(stream, afterSeq, limit, maxBytes));
    }

    /**
     * Sends this node's Resume on a new session, once everything received before it is committed: how far the
     * peer's stream is stored here, and {@code settledSeq}, how far this node's stream to the peer is settled.
     * Then tells {@code stream}, which sends no Envelope on the session before that.
     */
    void submitResume(OutboundStream stream, Session session, long settledSeq) {
        enqueue(new StoreOp.OwnResume(stream, session, settledSeq));
    }

    /**
     * The peer's Resume arrived: its stream to this node is settled up to {@code peerSettledSeq}. Acks again what
     * is stored above that, and takes the stream up after it if this store holds less.
     */
    public void submitPeerResumed(Session session, long peerSettledSeq) {
        enqueue(new StoreOp.PeerResume(session, peerSettledSeq));
    }

    /** An established session closed: what the stage remembers of it goes. */
    public void submitSessionEnded(Session session) {
        enqueue(new StoreOp.SessionEnded(session));
    }

    /** A future that completes once everything queued before it is committed and passed on. */
    public CompletableFuture<Void> barrier() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new StoreOp.Barrier(done));
        return done;
    }

    private void enqueue(StoreOp op) {
        if (closed) {
            refuse(op);
            return;
        }
        queue.add(op);
        // Closed in between: whoever takes the op off the queue answers it, the stage's last batch or this thread.
        if (closed && queue.remove(op)) {
            refuse(op);
            return;
        }
        wakeUp.run();
    }

    /**
     * Commits everything queued, up to a batch, and passes the results on; or, while a batch the store could not
     * write is held, tries that one again once it is time.
     */
    @Override
    public int doWork() {
        if (outage.holding()) {
            return outage.retry();
        }
        StoreOp op;
        while (ops.size() < MAX_BATCH && (op = queue.poll()) != null) {
            ops.add(op);
        }
        int n = ops.size();
        if (n > 0) {
            StoreBatch batch = new StoreBatch(this, ops);
            boolean done;
            try {
                done = batch.run();
            } catch (RuntimeException | java.lang.Error e) {
                ops.clear();
                throw e;
            }
            if (done) {
                ops.clear();
            } else {
                ops = new ArrayList<>(MAX_BATCH); // the held batch keeps the list it was made from
                outage.hold(batch);
            }
        }
        return n;
    }

    /** Whether the store takes writes now; read by any thread. */
    public StoreHealth health() {
        return outage.health();
    }

    /** How long a held batch waits before it is tried again (tests step the stage with 0). */
    void retryEvery(Duration interval) {
        outage.retryEvery(interval);
    }

    /** No more work: refuses whatever is still queued (nothing is, once the runner drained it) and closes the store. */
    @Override
    public void onClose() {
        closed = true;
        outage.abandon(closedCause);
        for (StoreOp op; (op = queue.poll()) != null; ) {
            refuse(op);
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            log.warn("{}: closing the store failed", self, e);
        }
    }

    /** Takes nothing more: from now on, whatever is submitted is refused at once. */
    void close() {
        closed = true;
    }

    /** Answers an operation that came after close: nothing of it is stored. */
    private void refuse(StoreOp op) {
        if (op instanceof StoreOp.Send s) {
            sendsLeft(1, s.message().message().payloadSize());
            s.message().stream().notStored(s.message());
            receipts.fail(List.of(s.message().future()), s.message().stream(), closedCause);
        } else if (op instanceof StoreOp.Receive r) {
            gate.released(List.of(r.message()));
        } else if (op instanceof StoreOp.Outcome o) {
            receipts.settle(List.of(o), StoreOp.Outcome::stream, x -> {
                if (x.future() != null) {
                    x.future().completeExceptionally(closedCause);
                }
            });
        } else if (op instanceof StoreOp.Barrier b) {
            b.done().completeExceptionally(closedCause);
        }
        // Loads, Resumes and ended sessions: nothing waits for them once the node is closed.
    }

    // ---- what a batch does once committed, or when it fails: called by StoreBatch on the store thread

    ReceiptCompletion receipts() {
        return receipts;
    }

    ListenerDispatcher listeners() {
        return listeners;
    }

    InboundGate gate() {
        return gate;
    }

    /** {@code count} sends with {@code bytes} of payloads left the queue, committed or failed. */
    void sendsLeft(int count, long bytes) {
        uncommittedSends.addAndGet(-count);
        uncommittedSendBytes.addAndGet(-bytes);
    }

    /** Acks {@code acks} on {@code session}'s connection, from its event loop. */
    static void writeAcks(Session session, List<PendingAck> acks) {
        writeAcks(session, acks, null);
    }

    /**
     * Acks {@code acks} on {@code session}'s connection, from its event loop, then runs {@code taken} (if not null)
     * once the connection has passed them to the operating system: the peer is reading.
     */
    private static void writeAcks(Session session, List<PendingAck> acks, Runnable taken) {
        Channel ch = session.channel();
        if (!ch.isActive()) {
            return; // the sender retransmits on its next connection, and the duplicate is acked then
        }
        ch.eventLoop().execute(() -> {
            for (PendingAck ack : acks) {
                ch.write(ack, ch.voidPromise());
            }
            ch.flush(); // the acks become one frame here, so the empty write below comes after it
            if (taken != null) {
                ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (f.isSuccess()) {
                        taken.run();
                    }
                });
            }
        });
    }

    /**
     * Acks again the messages of {@code session}'s stream stored in {@code (afterSeq, upToSeq]}, a page at a time:
     * the next page is read once the connection has taken this one, so a peer that asks for many and does not read
     * makes the node hold one page, not all of them.
     */
    void ackAgain(Session session, long afterSeq, long upToSeq) {
        if (afterSeq >= upToSeq || !session.isActive()) {
            return;
        }
        List<Message> page = store.received(session.peer(), session.peerIncarnation(), afterSeq, MAX_BATCH);
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
        long last = acks.get(acks.size() - 1).seq();
        boolean more = last < upToSeq && page.size() == MAX_BATCH;
        writeAcks(session, acks, more ? () -> enqueue(new StoreOp.AckAgain(session, last, upToSeq)) : null);
    }

    /** Tells the peer why with an Error frame, then closes the connection (if it is not closed already). */
    static void close(Session session, Error.Code code, String why) {
        Channel ch = session.channel();
        if (ch.isActive()) {
            ch.writeAndFlush(Frames.error(code, why)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
