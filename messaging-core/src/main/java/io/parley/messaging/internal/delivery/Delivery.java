package io.parley.messaging.internal.delivery;

import io.netty.channel.EventLoop;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.MessageListener;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.StoreHealth;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.AgentRunner;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.internal.transport.TrafficEvents;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.store.MessageStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Delivery, the node's wing that moves messages: an {@link OutboundStream} per peer, the {@link InboundStreams} of
 * every sender, the {@link StoreStage} that commits both in batches, and the listener hand-off. Traffic comes here
 * straight from the pipeline ({@link TrafficEvents}); membership only tells it which connection to each peer is
 * current ({@link #attach}, {@link #detach}).
 *
 * <p>Thread-safe: the registry of streams is concurrent, each stream hands its work to its own loop, and the store
 * stage has a thread of its own.
 */
public final class Delivery implements TrafficEvents {

    /**
     * What delivery is made from.
     *
     * @param receipts where receipt futures complete
     * @param listener the message listener, or null
     * @param listenerExecutor where the listener runs
     * @param threads makes the store thread
     * @param window most messages on the wire without an ack, per peer
     * @param maxUnacknowledged most messages without a stored outcome, per peer
     * @param bodiesInMemory most message bodies a stream holds (the rest wait in a durable store)
     * @param maxInFlightBytesPerPeer most payload bytes sent on a connection and not yet acknowledged
     * @param maxBodyBytesInMemory most payload bytes of unacknowledged messages in memory, over all streams
     * @param limits where the byte bounds are counted when reached
     */
    public record Settings(NodeId self, MessageStore store, HybridLogicalClock hlc, WallClock clock, Executor receipts,
                           MessageListener listener, Executor listenerExecutor, ThreadFactory threads, int window,
                           int maxUnacknowledged, int bodiesInMemory, long maxInFlightBytesPerPeer,
                           long maxBodyBytesInMemory, LimitCounters limits) {
    }

    private final NodeId self;
    private final HybridLogicalClock hlc;
    private final StoreStage store;
    private final AgentRunner storeRunner;
    private final OutboundContext context;
    private final Quiescence quiescence = new Quiescence();
    private final ConcurrentHashMap<NodeId, OutboundStream> streams = new ConcurrentHashMap<>();

    public Delivery(Settings s) {
        this.self = s.self();
        this.hlc = s.hlc();
        InboundGate gate = new InboundGate(s.self());
        ReceiptCompletion receipts = new ReceiptCompletion(s.receipts());
        this.store = new StoreStage(s.self(), s.store(), receipts,
                new ListenerDispatcher(s.self(), s.listener(), s.listenerExecutor(), gate), gate, s.maxBodyBytesInMemory(),
                s.limits());
        this.storeRunner = new AgentRunner(store, s.threads());
        store.onSubmit(storeRunner::wake);
        this.context = new OutboundContext(store, receipts, s.hlc(), s.clock(), quiescence, s.window(),
                s.maxUnacknowledged(), s.bodiesInMemory(), new OutboundContext.ByteBounds(s.maxInFlightBytesPerPeer(),
                        new BodyBudget(s.maxBodyBytesInMemory(), s.limits()), !s.store().isDurable(), s.limits()));
    }

    /** Starts the store thread. */
    public void start() {
        storeRunner.start();
    }

    /** The stream to {@code peer}, made on {@code loop} if there is none yet. */
    public OutboundStream streamTo(NodeId peer, EventLoop loop) {
        return streams.computeIfAbsent(peer, id -> new OutboundStream(id, loop, new ClockOffsetEstimator(), context));
    }

    /**
     * Membership forgot the stream's peer: the stream leaves the registry if it never numbered a message (a send
     * racing with this fails with {@code UnknownPeerException}), so a peer that returns starts afresh. A stream that
     * numbered messages stays, so that a peer that returns goes on from the same sequence numbers.
     */
    public void retire(OutboundStream stream) {
        if (stream.retireIfUnused()) {
            streams.remove(stream.peer(), stream);
        }
    }

    /** The stream to {@code peer}, or null if there is none. */
    public OutboundStream stream(NodeId peer) {
        return streams.get(peer);
    }

    /** Every stream. */
    public Collection<OutboundStream> streams() {
        return List.copyOf(streams.values());
    }

    /** Woken whenever a message is settled or a connection lost: for a close that waits for both. */
    public Quiescence quiescence() {
        return quiescence;
    }

    /** Whether the store takes writes now. */
    public StoreHealth storeHealth() {
        return store.health();
    }

    /** A future that completes once everything queued for the store before it is committed and passed on. */
    public CompletableFuture<Void> storeBarrier() {
        return store.barrier();
    }

    // ---- what membership says

    /** {@code session} is the current connection to its peer, the {@code generation}th made current. */
    public void attach(Session session, long generation) {
        OutboundStream s = streams.get(session.peer());
        if (s != null) {
            s.attach(session, generation);
        }
    }

    /** {@code session}, once current, closed. */
    public void detach(Session session) {
        OutboundStream s = streams.get(session.peer());
        if (s != null) {
            s.detach(session);
        }
        quiescence.changed(); // a close() waiting for this peer's acks waits no longer
    }

    // ---- traffic, straight from the pipeline

    @Override
    public void resume(Session session, Resume resume) {
        OutboundStream s = streams.get(session.peer());
        if (s != null) {
            s.onResume(session, resume.getReceivedSeq());
        }
        store.submitPeerResumed(session, resume.getSettledSeq());
    }

    @Override
    public void envelope(Session session, Envelope envelope, long receivedMicros) {
        HybridTimestamp senderHlc = Frames.hlc(envelope.getHlc());
        HybridTimestamp receiverHlc = hlc.receive(senderHlc);
        Message m = new Message(Frames.uuid(envelope.getMessageId()), session.peer(), self, Direction.RECEIVED,
                DeliveryStatus.RECEIVED, session.peerIncarnation(), envelope.getSeq(), envelope.getSenderTimeMicros(),
                receivedMicros, senderHlc, envelope.getPayload().toByteArray());
        store.submitReceive(session, m, envelope.getPreviousSeq(), receiverHlc);
    }

    @Override
    public void acks(Session session, AckBatch batch, long receivedMicros, long receivedNanos) {
        OutboundStream s = streams.get(session.peer());
        if (s != null) {
            s.onAcks(batch, receivedMicros, receivedNanos);
        }
    }

    @Override
    public void pong(Session session, Pong pong, long receivedMicros) {
        OutboundStream s = streams.get(session.peer());
        if (s != null) {
            s.offsets().addSample(pong.getPingSentAtMicros(), pong.getReceivedAtMicros(), pong.getSentAtMicros(),
                    receivedMicros);
        }
    }

    @Override
    public void writable(Session session) {
        OutboundStream s = streams.get(session.peer());
        if (s != null) {
            s.onWritable(session);
        }
    }

    @Override
    public void sessionEnded(Session session) {
        store.submitSessionEnded(session);
    }

    // ---- the end

    /**
     * Commits what is queued and ends the store stage, which then closes the store; waits for that at most
     * {@code timeout}. Afterwards everything submitted fails at once.
     *
     * @return whether the store thread ended in time (if not, it closes the store when its work is done)
     */
    public boolean closeStore(Duration timeout) {
        store.close();
        return storeRunner.close(timeout);
    }

    /** Fails every future still waiting in a stream with {@code cause}. */
    public void closeStreams(NodeClosedException cause) {
        streams.values().forEach(s -> s.close(cause));
    }
}
