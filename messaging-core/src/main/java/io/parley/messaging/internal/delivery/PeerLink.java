package io.parley.messaging.internal.delivery;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
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
import io.parley.messaging.proto.v1.Frame;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The stream of messages from this node to one peer. Numbers each message (under a lock, on the caller's
 * thread, so that sequence, clock and store order agree), and once the store has it, sends it when the peer
 * is connected and the window has room. Unacknowledged messages go out again, in order, on the next
 * connection.
 *
 * <p>All queue state is confined to one event loop ({@link #loop()}), which is also the loop its dialled
 * connections use; nothing here blocks.
 */
public final class PeerLink {

    private final NodeId peer;
    private final EventLoop loop;
    private final int window;
    private final int maxQueued;
    private final StoreStage store;
    private final HybridLogicalClock hlc;
    private final WallClock clock;
    private final ClockOffsetEstimator offsets;
    private final Executor receipts;
    private final Quiescence quiescence;

    private final Object sendLock = new Object();
    private long nextSeq;
    private final AtomicInteger outstanding = new AtomicInteger();

    // Confined to loop.
    private final ArrayDeque<OutboundMessage> unsent = new ArrayDeque<>();
    // Sent and unacknowledged, in sequence order: acks come back in that order, so settling one is a poll.
    private final ArrayDeque<OutboundMessage> inflight = new ArrayDeque<>();
    private Session session;
    private NodeClosedException closed;

    public PeerLink(NodeId peer, EventLoop loop, int window, int maxQueued, StoreStage store, HybridLogicalClock hlc,
                    WallClock clock, ClockOffsetEstimator offsets, Executor receipts, Quiescence quiescence) {
        this.peer = peer;
        this.loop = loop;
        this.window = window;
        this.maxQueued = maxQueued;
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

    /** Messages sent to this peer and not yet acknowledged (or failed). */
    public int outstanding() {
        return outstanding.get();
    }

    /**
     * Numbers a new message with {@code factory(seq)} and queues it for the store. Called on the caller's
     * thread.
     *
     * @param factory makes the stored message for a sequence number; called under this link's lock
     * @return the future that completes with the message's receipt
     */
    public CompletableFuture<Receipt> send(LongFunction<Message> factory) {
        if (outstanding.incrementAndGet() > maxQueued) {
            outstanding.decrementAndGet();
            return CompletableFuture.failedFuture(new BackpressureException(maxQueued + " messages to " + peer
                    + " are already waiting for acknowledgement; retry once some are delivered"));
        }
        CompletableFuture<Receipt> future = new CompletableFuture<>();
        synchronized (sendLock) {
            Message m = factory.apply(++nextSeq);
            store.submitSend(new OutboundMessage(m, envelope(m), future, this));
        }
        return future;
    }

    private static Frame envelope(Message m) {
        return Frame.newBuilder().setEnvelope(io.parley.messaging.proto.v1.Envelope.newBuilder()
                .setSeq(m.sequence())
                .setMessageId(Frames.uuid(m.id()))
                .setSenderTimeMicros(m.senderTimeMicros())
                .setHlc(Frames.hlc(m.hlc()))
                .setPayload(com.google.protobuf.UnsafeByteOperations.unsafeWrap(m.payload()))).build();
    }

    /** Stored messages, in sequence order, ready for the wire. Called from the store thread. */
    void onStored(List<OutboundMessage> messages) {
        loop.execute(() -> {
            if (closed != null) {
                fail(messages, closed);
                return;
            }
            unsent.addAll(messages);
            pump();
        });
    }

    /** {@code count} messages reached a final state. Called from the store thread. */
    void released(int count) {
        outstanding.addAndGet(-count);
        quiescence.changed();
    }

    /** A connection to the peer is established: carry the stream on it, starting with what was unacknowledged. */
    public void attach(Session newSession) {
        runOnLoop(() -> {
            if (!newSession.isActive() || closed != null) {
                return;
            }
            session = newSession;
            requeueInflight();
            pump();
        });
    }

    /** A connection closed: stop sending on it; what it left unacknowledged goes out on the next one. */
    public void detach(Session oldSession) {
        runOnLoop(() -> {
            if (session == oldSession) {
                session = null;
                requeueInflight();
            }
        });
    }

    /** Acks arrived from the peer, on any of its connections. */
    public void onAcks(AckBatch batch, long receivedMicros, long receivedNanos) {
        runOnLoop(() -> {
            for (Ack ack : batch.getAcksList()) {
                OutboundMessage m = takeInflight(ack.getSeq());
                if (m == null) {
                    continue; // a repeated ack for a message already settled or requeued
                }
                hlc.receive(Frames.hlc(ack.getHlc()));
                offsets.addSample(m.lastSentMicros, ack.getReceiverTimeMicros(), ack.getAckedAtMicros(), receivedMicros);
                Duration rtt = Duration.ofNanos(receivedNanos - m.lastSentNanos);
                if (ack.getStatus() == AckStatus.ACK_STATUS_REJECTED) {
                    store.submitDelivery(m, DeliveryStatus.REJECTED, ack.getReceiverTimeMicros(), rtt, ack.getReason());
                } else {
                    store.submitDelivery(m, DeliveryStatus.DELIVERED, ack.getReceiverTimeMicros(), rtt, "");
                }
            }
            pump();
        });
    }

    /** Fails everything still queued here with {@code cause}; later arrivals from the store fail too. */
    public void close(NodeClosedException cause) {
        runOnLoop(() -> {
            closed = cause;
            List<OutboundMessage> all = new ArrayList<>(inflight);
            all.addAll(unsent);
            inflight.clear();
            unsent.clear();
            session = null;
            fail(all, cause);
        });
    }

    private void fail(List<OutboundMessage> messages, NodeClosedException cause) {
        if (messages.isEmpty()) {
            return;
        }
        outstanding.addAndGet(-messages.size());
        quiescence.changed();
        receipts.execute(() -> messages.forEach(m -> m.future().completeExceptionally(cause)));
    }

    private void pump() {
        Session s = session;
        if (s == null) {
            return;
        }
        Channel ch = s.channel();
        if (!ch.isActive()) {
            return;
        }
        int sent = 0;
        long nanos = System.nanoTime();
        long micros = clock.nowMicros();
        while (inflight.size() < window && !unsent.isEmpty()) {
            OutboundMessage m = unsent.poll();
            m.lastSentNanos = nanos;
            m.lastSentMicros = micros;
            inflight.addLast(m);
            ch.write(m.frame(), ch.voidPromise());
            sent++;
        }
        if (sent > 0) {
            ch.flush();
        }
    }

    private void requeueInflight() {
        if (inflight.isEmpty()) {
            return;
        }
        while (!inflight.isEmpty()) {
            unsent.addFirst(inflight.pollLast());
        }
    }

    /** The in-flight message with {@code seq}, removed; null if there is none (a repeated or stale ack). */
    private OutboundMessage takeInflight(long seq) {
        OutboundMessage head = inflight.peekFirst();
        if (head == null || head.seq() > seq) {
            return null;
        }
        if (head.seq() == seq) {
            return inflight.pollFirst();
        }
        // Out of order: only an ack from a replaced connection can land here, so a scan is fine.
        for (var it = inflight.iterator(); it.hasNext(); ) {
            OutboundMessage m = it.next();
            if (m.seq() == seq) {
                it.remove();
                return m;
            }
        }
        return null;
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
