package io.parley.messaging.internal.delivery;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.BackpressureException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.store.Outbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream of messages from this node to one peer: its outbox.
 *
 * <p>{@link #send} numbers each message (under a lock, on the caller's thread, so that sequence, clock and
 * store order agree) and hands it to the store. Once stored, a message has a slot in a {@link SlotRing} until its
 * outcome is stored. Only about two windows of message bodies stay in memory; beyond that a slot holds just the
 * caller's future and the body is loaded back from the store, a window at a time, when it is due to be sent. So a
 * peer that is down for long costs the store, not the heap.
 *
 * <p>On each connection both sides first exchange a Resume: this link sends how far its stream is settled, and
 * learns how far the peer has stored it. It then sends again exactly what the peer has not stored, and the peer
 * acks again what it stored but this side has not recorded. Nothing is sent on a connection before both Resumes
 * are through: the peer's has arrived, and this node's own (which the store thread writes) is on the wire ahead
 * of any Envelope. A message whose time to live ran out is withdrawn
 * (EXPIRED) as long as the peer cannot have stored it; the Envelope after it names the one before it, so the
 * peer sees that nothing was lost in between.
 *
 * <p>All stream state is confined to one event loop ({@link #loop()}), which is also the loop its dialled
 * connections use; nothing here blocks.
 */
public final class PeerLink {

    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

    /** Payload bytes of the bodies a link holds beyond its first two windows, with a durable store. */
    static final long BODY_BYTES_IN_MEMORY = 8L * 1024 * 1024;

    /** A slot whose body is in the store and that no caller waits for: a message reloaded after a restart. */
    private static final Object STORED = new Object() {
        @Override
        public String toString() {
            return "stored";
        }
    };

    private record Deadline(long atMicros, long seq) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            return Long.compare(atMicros, o.atMicros);
        }
    }

    private final NodeId peer;
    private final EventLoop loop;
    private final int window;
    private final int maxUnacknowledged;
    private final int bodiesInMemory;
    private final StoreStage store;
    private final HybridLogicalClock hlc;
    private final WallClock clock;
    private final ClockOffsetEstimator offsets;
    private final Executor receipts;
    private final Quiescence quiescence;

    private final Object sendLock = new Object();
    private long nextSeq;
    private final AtomicInteger outstanding = new AtomicInteger();

    // Confined to loop. Slots (floor, top] of the ring: an OutboundMessage (body in memory), a future (body in the
    // store only) or STORED; null once settled. Every slot up to loadedTo holds a body or is settled.
    private SlotRing ring = new SlotRing(0);
    private long loadedTo;
    private long bodyBytes;
    private boolean loading;
    private long maxTransmitted;
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>();
    private ScheduledFuture<?> expiryTimer;
    private long expiryTimerAt = Long.MAX_VALUE;
    private Session session;
    private long attachedGeneration;
    private boolean peerResumed;
    private boolean resumeSent;
    private long resumeFloor;
    // Transmission on the current session: slots below sendNext were sent on it (or the peer has them) and wait
    // for their acks; inflight counts the live ones.
    private long sendNext = 1;
    private long previousSent;
    private int inflight;
    private NodeClosedException closed;

    /**
     * @param window most messages on the wire without an ack
     * @param maxUnacknowledged most messages without a stored outcome; {@link #send} fails fast past it
     * @param bodiesInMemory most message bodies held here, from the oldest unsettled one, as long as those beyond
     *     the first two windows come to less than {@link #BODY_BYTES_IN_MEMORY}; the rest are read back from the
     *     store when due (with a store that is not durable, all of them are kept, as the store keeps them in the
     *     heap anyway)
     */
    public PeerLink(NodeId peer, EventLoop loop, int window, int maxUnacknowledged, int bodiesInMemory,
                    StoreStage store, HybridLogicalClock hlc, WallClock clock, ClockOffsetEstimator offsets,
                    Executor receipts, Quiescence quiescence) {
        this.peer = peer;
        this.loop = loop;
        this.window = window;
        this.maxUnacknowledged = maxUnacknowledged;
        this.bodiesInMemory = Math.max(2 * window, bodiesInMemory);
        this.store = store;
        this.hlc = hlc;
        this.clock = clock;
        this.offsets = offsets;
        this.receipts = receipts;
        this.quiescence = quiescence;
    }

    public NodeId peer() {
        return peer;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Messages to this peer without a stored outcome yet, including those reloaded after a restart. */
    public int outstanding() {
        return outstanding.get();
    }

    /**
     * Takes up the stream where the store left it after a restart: numbering goes on after its last sequence, and
     * its pending messages are loaded and sent again. Called once, before the node starts networking.
     */
    public void restore(Outbox outbox) {
        synchronized (sendLock) {
            nextSeq = outbox.lastSequence();
        }
        long floor = outbox.pendingCount() == 0 ? outbox.lastSequence() : outbox.firstPending() - 1;
        SlotRing restored = new SlotRing(floor);
        for (long s = floor + 1; s <= outbox.lastSequence(); s++) {
            restored.append(STORED); // settled ones among them are cleared as their window is loaded
        }
        ring = restored;
        loadedTo = floor;
        sendNext = floor + 1;
        maxTransmitted = outbox.lastSequence(); // any of them may have reached the peer before the restart
        outstanding.addAndGet(restored.live());
    }

    /**
     * Numbers a new message with {@code factory(seq)} and queues it for the store. Called on the caller's
     * thread.
     *
     * @param factory makes the stored message for a sequence number; called under this link's lock
     * @return the future that completes with the message's receipt
     */
    public CompletableFuture<Receipt> send(LongFunction<Message> factory) {
        if (outstanding.incrementAndGet() > maxUnacknowledged) {
            outstanding.decrementAndGet();
            return CompletableFuture.failedFuture(new BackpressureException(maxUnacknowledged + " messages to " + peer
                    + " are already waiting for acknowledgement; retry once some are delivered"));
        }
        if (!store.reserveSend()) {
            outstanding.decrementAndGet();
            return CompletableFuture.failedFuture(new BackpressureException("the store of node " + store.self() + " has "
                    + StoreStage.MAX_UNCOMMITTED_SENDS + " messages still to write; retry once it has caught up"));
        }
        CompletableFuture<Receipt> future = new CompletableFuture<>();
        synchronized (sendLock) {
            Message m = factory.apply(++nextSeq);
            store.submitSend(new OutboundMessage(m, future, this));
        }
        return future;
    }

    /** Stored messages, in sequence order. Called from the store thread. */
    void onStored(List<OutboundMessage> messages) {
        loop.execute(() -> {
            if (closed != null) {
                fail(messages.stream().map(OutboundMessage::future).toList(), closed);
                return;
            }
            for (OutboundMessage m : messages) {
                while (ring.top() < m.seq() - 1) { // a sequence whose message the store refused: nothing to send
                    ring.append(STORED);
                    clearSlot(ring.top());
                }
                long held = loadedTo - ring.floor();
                boolean keepBody = loadedTo == ring.top()
                        && (held < 2L * window || (held < bodiesInMemory && bodyBytes < BODY_BYTES_IN_MEMORY));
                ring.append(keepBody ? m : m.future());
                if (keepBody) {
                    loadedTo = m.seq();
                    bodyBytes += m.message().payloadSize();
                }
                long expires = m.message().expiresAtMicros();
                if (expires != Message.NEVER) {
                    deadlines.add(new Deadline(expires, m.seq()));
                }
            }
            scheduleExpiry();
            pump();
        });
    }

    /** The window of stored bodies after {@code afterSeq} asked for with {@link StoreStage#submitLoad}. */
    void onLoaded(long afterSeq, int limit, List<Message> pending) {
        loop.execute(() -> {
            loading = false;
            if (closed != null) {
                return;
            }
            // Fewer than asked for: every pending message up to the top as of the read is here (the store thread
            // reports stored sends before it reads, and this loop takes both in that order).
            long upTo = pending.size() < limit ? ring.top() : pending.get(pending.size() - 1).sequence();
            int i = 0;
            // The floor may have passed afterSeq meanwhile (acks settled the first slots): start above both.
            for (long seq = Math.max(afterSeq, loadedTo) + 1; seq <= upTo; seq++) {
                while (i < pending.size() && pending.get(i).sequence() < seq) {
                    i++;
                }
                Message m = i < pending.size() && pending.get(i).sequence() == seq ? pending.get(i) : null;
                Object slot = ring.get(seq);
                if (slot == null) {
                    continue; // settled while the store was read
                }
                if (m != null) {
                    ring.replace(seq, new OutboundMessage(m, futureOf(slot), this));
                    bodyBytes += m.payloadSize();
                } else {
                    // Not pending in the store: its outcome was stored before a restart.
                    clearSlot(seq);
                    if (futureOf(slot) != null) {
                        log.error("{}: message {} to {} is no longer pending in the store", store.self(), seq, peer);
                    }
                    released(1);
                }
            }
            loadedTo = Math.max(loadedTo, upTo);
            pump();
        });
    }

    /** {@code count} messages reached a final state and their callbacks ran. Called from any thread. */
    void released(int count) {
        outstanding.addAndGet(-count);
        quiescence.changed();
    }

    /**
     * A connection to the peer is established: say where this stream stands, and wait for the peer's Resume
     * before sending on it.
     *
     * @param generation counts the sessions attached to this link, in the order they became the peer's current one;
     *     a session older than one already attached is ignored
     */
    public void attach(Session newSession, long generation) {
        runOnLoop(() -> {
            // Attaches can reach this loop out of the order they were made in: one handed over from another event
            // loop waits in this loop's queue, while one made on this loop runs at once.
            if (generation <= attachedGeneration || !newSession.isActive() || closed != null) {
                return;
            }
            attachedGeneration = generation;
            session = newSession;
            peerResumed = false;
            resumeSent = false;
            stopTransmitting();
            resumeFloor = ring.floor();
            store.submitResume(this, newSession, resumeFloor);
        });
    }

    /**
     * The peer's Resume arrived on {@code s}: it holds the stream up to {@code receivedSeq}. Everything after that
     * (or after this side's settled floor, if the peer holds less) goes out again; what it holds waits for the
     * acks it sends again.
     */
    public void onResume(Session s, long receivedSeq) {
        runOnLoop(() -> {
            if (s != session || closed != null) {
                return;
            }
            if (receivedSeq > ring.top() && receivedSeq > maxTransmitted) {
                log.error("{}: {} claims to hold message {} of this node's stream, which only reaches {}; was this "
                        + "node's store restored from an old copy?", store.self(), peer, receivedSeq, ring.top());
            }
            peerResumed = true;
            long base = Math.max(resumeFloor, Math.min(receivedSeq, ring.top()));
            sendNext = Math.max(base, ring.floor()) + 1;
            previousSent = base;
            inflight = 0;
            for (long seq = ring.floor() + 1; seq < sendNext; seq++) {
                if (ring.get(seq) != null) {
                    inflight++;
                }
            }
            pump();
        });
    }

    /**
     * This node's Resume was written on {@code s}, from the store thread: Envelopes written from now on follow it.
     * Until then the peer would take them for a protocol violation, even if its own Resume came first.
     */
    void onResumeSent(Session s) {
        runOnLoop(() -> {
            if (s != session || closed != null) {
                return;
            }
            resumeSent = true;
            pump();
        });
    }

    /** A connection closed: stop sending on it; what it left unacknowledged goes out on the next one. */
    public void detach(Session oldSession) {
        runOnLoop(() -> {
            if (session == oldSession) {
                session = null;
                peerResumed = false;
                resumeSent = false;
                stopTransmitting();
            }
        });
    }

    private void stopTransmitting() {
        sendNext = ring.floor() + 1;
        inflight = 0;
    }

    /** Acks arrived from the peer, on any of its connections. */
    public void onAcks(AckBatch batch, long receivedMicros, long receivedNanos) {
        runOnLoop(() -> {
            if (closed != null) {
                return;
            }
            for (Ack ack : batch.getAcksList()) {
                long seq = ack.getSeq();
                Object slot = ring.get(seq);
                if (slot == null || seq > maxTransmitted) {
                    continue; // a repeated ack for a settled message, or one for a message never sent
                }
                hlc.receive(Frames.hlc(ack.getHlc()));
                OutboundMessage m = slot instanceof OutboundMessage om ? om : null;
                Duration rtt = Duration.ZERO;
                if (m != null && m.lastSentNanos != 0) {
                    rtt = Duration.ofNanos(receivedNanos - m.lastSentNanos);
                    if (ack.getStatus() == AckStatus.ACK_STATUS_STORED) {
                        offsets.addSample(m.lastSentMicros, ack.getReceiverTimeMicros(), ack.getAckedAtMicros(), receivedMicros);
                    }
                }
                clearSlot(seq);
                DeliveryStatus status = ack.getStatus() == AckStatus.ACK_STATUS_REJECTED ? DeliveryStatus.REJECTED
                        : DeliveryStatus.DELIVERED;
                store.submitDelivery(new StoreStage.Outcome(this, seq, m, futureOf(slot), status,
                        ack.getReceiverTimeMicros(), rtt, ack.getReason()));
            }
            pump();
        });
    }

    /** Fails everything still waiting here with {@code cause}; later arrivals from the store fail too. */
    public void close(NodeClosedException cause) {
        runOnLoop(() -> {
            closed = cause;
            session = null;
            if (expiryTimer != null) {
                expiryTimer.cancel(false);
            }
            List<CompletableFuture<Receipt>> futures = new ArrayList<>();
            int live = 0;
            for (long seq = ring.floor() + 1; seq <= ring.top(); seq++) {
                Object slot = ring.get(seq);
                if (slot != null) {
                    live++;
                    CompletableFuture<Receipt> f = futureOf(slot);
                    if (f != null) {
                        futures.add(f);
                    }
                }
            }
            ring = new SlotRing(ring.top());
            bodyBytes = 0;
            outstanding.addAndGet(-(live - futures.size()));
            fail(futures, cause);
        });
    }

    private void fail(List<CompletableFuture<Receipt>> futures, NodeClosedException cause) {
        if (futures.isEmpty()) {
            return;
        }
        receipts.execute(() -> {
            futures.forEach(f -> f.completeExceptionally(cause));
            released(futures.size());
        });
    }

    private void pump() {
        Session s = session;
        if (s != null && peerResumed && resumeSent && s.channel().isActive()) {
            transmit(s.channel());
        }
        // Read the next bodies from the store well before those held run out, so the wire never waits.
        long ready = loadedTo - Math.max(sendNext - 1, ring.floor());
        if (!loading && loadedTo < ring.top()
                && (ready < window || (ready < bodiesInMemory / 2 && bodyBytes < BODY_BYTES_IN_MEMORY / 2))) {
            loading = true;
            store.submitLoad(this, loadedTo, window);
        }
    }

    private void transmit(Channel ch) {
        int sent = 0;
        long nanos = System.nanoTime();
        long micros = clock.nowMicros();
        while (inflight < window && sendNext <= loadedTo) {
            long seq = sendNext;
            if (!(ring.get(seq) instanceof OutboundMessage m)) {
                sendNext++;
                continue; // settled
            }
            if (m.message().expiresAtMicros() <= micros) {
                withdraw(seq, m); // not yet below sendNext, so not counted in flight
                sendNext = Math.max(sendNext, seq + 1);
                continue;
            }
            sendNext++;
            m.lastSentNanos = nanos;
            m.lastSentMicros = micros;
            ch.write(m.frame(previousSent), ch.voidPromise());
            previousSent = seq;
            maxTransmitted = Math.max(maxTransmitted, seq);
            inflight++;
            sent++;
        }
        if (sent > 0) {
            ch.flush();
        }
    }

    /** Settles {@code seq} as EXPIRED: its time to live ran out, and the peer cannot have stored it. */
    private void withdraw(long seq, Object slot) {
        clearSlot(seq);
        store.submitDelivery(new StoreStage.Outcome(this, seq, slot instanceof OutboundMessage m ? m : null,
                futureOf(slot), DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME, Duration.ZERO,
                "time to live ran out before " + peer + " received it"));
    }

    /** Empties a slot, keeping the window's count and the pointers above the floor. */
    private void clearSlot(long seq) {
        Object old = ring.clear(seq);
        if (old instanceof OutboundMessage m) {
            bodyBytes -= m.message().payloadSize();
        }
        if (old != null && seq < sendNext) {
            inflight--;
        }
        loadedTo = Math.max(loadedTo, ring.floor());
        sendNext = Math.max(sendNext, ring.floor() + 1);
    }

    private void scheduleExpiry() {
        Deadline next = deadlines.peek();
        if (next == null || next.atMicros() >= expiryTimerAt) {
            return;
        }
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
        }
        expiryTimerAt = next.atMicros();
        long delayMicros = Math.max(1000, next.atMicros() - clock.nowMicros());
        expiryTimer = loop.schedule(this::expireDue, delayMicros, TimeUnit.MICROSECONDS);
    }

    private void expireDue() {
        expiryTimer = null;
        expiryTimerAt = Long.MAX_VALUE;
        if (closed != null) {
            return;
        }
        long now = clock.nowMicros();
        while (!deadlines.isEmpty() && deadlines.peek().atMicros() <= now) {
            Deadline d = deadlines.poll();
            Object slot = ring.get(d.seq());
            // A message that may have reached the peer is not withdrawn here: the next Resume tells whether it did.
            boolean unsent = d.seq() > maxTransmitted || (peerResumed && d.seq() >= sendNext);
            if (slot != null && unsent) {
                withdraw(d.seq(), slot);
            }
        }
        scheduleExpiry();
        pump();
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<Receipt> futureOf(Object slot) {
        if (slot instanceof OutboundMessage m) {
            return m.future();
        }
        return slot instanceof CompletableFuture<?> f ? (CompletableFuture<Receipt>) f : null;
    }

    private void runOnLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    @Override
    public String toString() {
        return "link to " + peer;
    }
}
