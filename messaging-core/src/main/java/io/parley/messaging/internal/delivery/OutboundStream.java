package io.parley.messaging.internal.delivery;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.store.Outbox;
import java.time.Duration;
import java.util.List;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream of messages from this node to one peer, the sending half of delivery (as Pekko's ProducerController or
 * JGroups' SenderEntry): numbering, the window, sending again after a reconnect, acks, expiry and close.
 *
 * <p>{@link #send} is taken or refused, and numbered, by the stream's {@link SendAdmission} on the caller's thread,
 * and handed to the store. Once stored, a message has a {@link Slot} in the {@link SendWindow} until
 * its outcome is stored; deadlines are the {@link ExpiryTimer}'s, and the Resume exchange of each connection is kept
 * in a {@link ResumeState}: Envelopes go only while the connection has room ({@link WriteRoom}) and the window does
 * (by messages and by payload bytes in flight); on each
 * connection, the stream sends again exactly what the peer has not stored, and the peer acks again what it stored
 * but this side has not recorded. A message whose time to live ran out is withdrawn (EXPIRED) as long as the peer
 * cannot have stored it; the Envelope after it names the one before it, so the peer sees that nothing was lost in
 * between.
 *
 * <p><b>Threads.</b> Admission and numbering are the {@link SendAdmission}'s, on the callers' threads; all other state
 * belongs to the stream's {@link HomeLoop}, the event loop of its current connection, and every method that
 * touches it hands a task over to that loop. Nothing here blocks.
 */
public final class OutboundStream {

    private static final Logger log = LoggerFactory.getLogger(OutboundStream.class);

    private final NodeId peer;
    private final HomeLoop home;
    private final ClockOffsetEstimator offsets;
    private final OutboundContext ctx;
    private final SendWindow window;
    private final ExpiryTimer expiry;
    private final ResumeState resume = new ResumeState();

    private final SendAdmission admission;
    private volatile long crossThreadWrites;

    private NodeClosedException closed; // owned by the home loop, like everything the window and timers hold
    private final WriteRoom room;

    OutboundStream(NodeId peer, EventLoop loop, ClockOffsetEstimator offsets, OutboundContext ctx) {
        this.peer = peer;
        this.home = new HomeLoop(loop);
        this.offsets = offsets;
        this.ctx = ctx;
        this.admission = new SendAdmission(peer, ctx);
        OutboundContext.ByteBounds bounds = ctx.bounds();
        this.window = new SendWindow(ctx.store().self() + ": stream to " + peer, ctx.window(), bounds.maxInFlightBytes(),
                new BodyPager(ctx.window(), ctx.bodiesInMemory(), bounds.bodies(), bounds.takenAtSend()), bounds.limits());
        this.expiry = new ExpiryTimer(home, ctx.clock(), this::expireDue);
        this.room = new WriteRoom(home, this::roomOn);
    }

    public NodeId peer() {
        return peer;
    }

    /** The event loop the stream lives on now: its current connection's, or the one it was made on. */
    public EventLoop loop() {
        return home.loop();
    }

    /** The peer's clock offset and round trip, learnt from acks. */
    public ClockOffsetEstimator offsets() {
        return offsets;
    }

    /** Messages to this peer without a stored outcome yet, including those reloaded after a restart. */
    public int outstanding() {
        return admission.outstanding();
    }

    /**
     * How many times Envelopes were written from a thread other than their channel's: 0 once the stream lives on
     * its connection's loop, which is the point of moving it there.
     */
    public long crossThreadWrites() {
        return crossThreadWrites;
    }

    /**
     * Takes up the stream where the store left it after a restart: numbering goes on after its last sequence, and
     * its pending messages are loaded and sent again. Called once, before the node starts networking.
     */
    public void restore(Outbox outbox) {
        admission.restore(outbox.lastSequence());
        long floor = outbox.pendingCount() == 0 ? outbox.lastSequence() : outbox.firstPending() - 1;
        admission.adjust(window.restore(floor, outbox.lastSequence()));
    }

    /**
     * Numbers a new message with {@code factory(seq)} and queues it for the store. Called on the caller's thread.
     * A refusal (too many outstanding, the store too far behind, with a store that is not durable no room for its
     * body in the node's memory) fails the future at once; a factory that throws takes no sequence number and no
     * room.
     *
     * @param payloadBytes the size of the message's payload
     * @param factory makes the stored message for a sequence number; called under this stream's lock
     * @return the future that completes with the message's receipt
     */
    public ReceiptFuture send(int payloadBytes, LongFunction<Message> factory) {
        return admission.send(payloadBytes, factory, this);
    }

    /**
     * Retires this stream if it never numbered a message and nothing waits in it: every later send fails with
     * {@link io.parley.messaging.UnknownPeerException}. Called when membership forgets the peer.
     *
     * @return whether it is retired
     */
    public boolean retireIfUnused() {
        return admission.retireIfUnused();
    }

    /**
     * A message was not stored (its batch failed, or the node closed first): with a store that is not durable, the
     * bytes its send took go back to the node's budget. Called from any thread.
     */
    void notStored(OutboundMessage m) {
        ctx.bounds().giveBack(m.message().payloadSize());
    }

    /** Stored messages, in sequence order. Called from the store thread. */
    void onStored(List<OutboundMessage> messages) {
        home.execute(() -> {
            if (closed != null) {
                messages.forEach(this::notStored);
                ctx.receipts().fail(messages.stream().map(OutboundMessage::future).toList(), this, closed);
                return;
            }
            for (OutboundMessage m : messages) {
                window.append(m);
                expiry.add(m.message().expiresAtMicros(), m.seq());
            }
            expiry.arm();
            pump();
        });
    }

    /** The window of stored bodies after {@code afterSeq} asked for with {@link StoreStage#submitLoad}. */
    void onLoaded(long afterSeq, int limit, List<Message> pending, boolean complete) {
        home.execute(() -> {
            if (closed != null) {
                window.loadAbandoned();
                return;
            }
            // The store thread reports stored sends before it reads, and the home loop takes both in that order.
            int settled = window.loaded(afterSeq, limit, pending, complete, this);
            if (settled > 0) {
                released(settled);
            }
            pump();
        });
    }

    /** {@code count} messages reached a final state and their callbacks ran. Called from any thread. */
    void released(int count) {
        admission.adjust(-count);
        ctx.quiescence().changed();
    }

    /**
     * A connection to the peer became current: move to its event loop, say where this stream stands, and wait for
     * the peer's Resume before sending on it.
     *
     * @param generation counts the sessions made current for this peer, in that order; a session older than one
     *     already attached is ignored (attaches can reach the stream out of the order they were made in)
     */
    public void attach(Session session, long generation) {
        home.execute(() -> {
            if (closed != null || !resume.attach(session, generation, window.floor())) {
                return;
            }
            home.moveTo(session.channel().eventLoop());
            window.stop();
            ctx.store().submitResume(this, session, window.floor());
        });
    }

    /**
     * The peer's Resume arrived on {@code s}: it holds the stream up to {@code receivedSeq}. Everything after that
     * (or after this side's settled floor, if the peer holds less) goes out again; what it holds waits for the
     * acks it sends again.
     */
    public void onResume(Session s, long receivedSeq) {
        home.execute(() -> {
            if (!resume.isCurrent(s) || closed != null) {
                return;
            }
            if (receivedSeq > window.top() && !window.mayHaveBeenSent(receivedSeq)) {
                log.error("{}: {} claims to hold message {} of this node's stream, which only reaches {}; was this "
                        + "node's store restored from an old copy?", ctx.store().self(), peer, receivedSeq, window.top());
            }
            resume.peerResumed();
            window.resumeAt(Math.max(resume.settledFloor(), Math.min(receivedSeq, window.top())));
            pump();
        });
    }

    /**
     * This node's Resume on {@code s} is ready, from the store thread: the stream writes it, and from then on its
     * Envelopes, in that order on the wire (the peer would take an Envelope before it for a protocol violation,
     * even if its own Resume came first). Not written on a connection that is no longer current: it is closing.
     */
    void onResumeReady(Session s, Frame resumeFrame) {
        home.execute(() -> {
            if (!resume.isCurrent(s) || closed != null) {
                return;
            }
            Channel ch = s.channel();
            if (ch.isActive()) {
                ch.writeAndFlush(resumeFrame, ch.voidPromise());
            }
            resume.ownResumeSent();
            pump();
        });
    }

    /** A connection closed: stop sending on it; what it left unacknowledged goes out on the next one. */
    public void detach(Session session) {
        home.execute(() -> {
            if (resume.detach(session)) {
                window.stop();
            }
        });
    }

    /**
     * The connection of {@code s} is writable again after it was not (the peer read what waited for it): Envelopes
     * held back for it may go.
     */
    public void onWritable(Session s) {
        home.execute(() -> {
            if (resume.isCurrent(s) && closed == null) {
                pump();
            }
        });
    }

    /** Acks arrived from the peer, on any of its connections. */
    public void onAcks(AckBatch batch, long receivedMicros, long receivedNanos) {
        home.execute(() -> {
            if (closed != null) {
                return;
            }
            for (Ack ack : batch.getAcksList()) {
                long seq = ack.getSeq();
                Slot slot = window.get(seq);
                if (slot == null || !window.mayHaveBeenSent(seq)) {
                    continue; // a repeated ack for a settled message, or one for a message never sent
                }
                ctx.hlc().receive(Frames.hlc(ack.getHlc()));
                OutboundMessage m = slot instanceof OutboundMessage om ? om : null;
                Duration rtt = Duration.ZERO;
                if (m != null && m.lastSentNanos != 0) {
                    rtt = Duration.ofNanos(receivedNanos - m.lastSentNanos);
                    if (ack.getStatus() == AckStatus.ACK_STATUS_STORED) {
                        offsets.addSample(m.lastSentMicros, ack.getReceiverTimeMicros(), ack.getAckedAtMicros(), receivedMicros);
                    }
                }
                window.settle(seq);
                DeliveryStatus status = ack.getStatus() == AckStatus.ACK_STATUS_REJECTED ? DeliveryStatus.REJECTED
                        : DeliveryStatus.DELIVERED;
                ctx.store().submitDelivery(new StoreOp.Outcome(this, seq, m, slot.future(), status,
                        ack.getReceiverTimeMicros(), rtt, ack.getReason()));
            }
            pump();
        });
    }

    /** Fails everything still waiting here with {@code cause}; later arrivals from the store fail too. */
    public void close(NodeClosedException cause) {
        home.execute(() -> {
            closed = cause;
            resume.end();
            expiry.cancel();
            SendWindow.Closed left = window.close();
            admission.adjust(-(left.live() - left.futures().size()));
            ctx.receipts().fail(left.futures(), this, cause);
        });
    }

    private void pump() {
        Session s = resume.ready();
        if (s != null) {
            transmit(s.channel());
        }
        // Read the next bodies from the store well before those held run out, so the wire never waits.
        if (window.shouldLoad()) {
            ctx.store().submitLoad(this, window.loadedTo(), ctx.window(), Math.max(1, ctx.bounds().bodies().room()));
        }
    }

    private void transmit(Channel ch) {
        int sent = 0;
        long nanos = System.nanoTime();
        long micros = ctx.clock().nowMicros();
        boolean flush = false;
        for (OutboundMessage m; (m = window.nextToSend()) != null; ) {
            if (m.message().expiresAtMicros() <= micros) {
                withdraw(m.seq(), m); // not sent, so not in flight
                window.passOver(m.seq());
                continue;
            }
            if (!WriteRoom.has(ch, m.message().payloadSize())) {
                flush = room.await(ch);
                break;
            }
            m.lastSentNanos = nanos;
            m.lastSentMicros = micros;
            ch.write(m.frame(window.markSent(m)), ch.voidPromise());
            sent++;
        }
        if (sent > 0) {
            if (!ch.eventLoop().inEventLoop()) {
                crossThreadWrites++; // written by the home loop only
            }
        }
        if (sent > 0 || flush) {
            ch.flush();
        }
    }

    /** {@code ch} has room again, after {@link WriteRoom#await}; on the home loop. */
    private void roomOn(Channel ch) {
        Session s = resume.ready();
        if (closed == null && s != null && s.channel() == ch) {
            pump();
        }
    }

    /** Settles {@code seq} as EXPIRED: its time to live ran out, and the peer cannot have stored it. */
    private void withdraw(long seq, Slot slot) {
        window.settle(seq);
        ctx.store().submitDelivery(new StoreOp.Outcome(this, seq, slot instanceof OutboundMessage m ? m : null,
                slot.future(), DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME, Duration.ZERO,
                "time to live ran out before " + peer + " received it"));
    }

    private void expireDue() {
        if (closed != null) {
            return;
        }
        expiry.takeDue(ctx.clock().nowMicros(), seq -> {
            Slot slot = window.get(seq);
            // A message that may have reached the peer is not withdrawn here: the next Resume tells whether it did.
            if (slot != null && window.certainlyUnsent(seq, resume.hasPeerResumed())) {
                withdraw(seq, slot);
            }
        });
        expiry.arm();
        pump();
    }

    @Override
    public String toString() {
        return "stream to " + peer;
    }
}
