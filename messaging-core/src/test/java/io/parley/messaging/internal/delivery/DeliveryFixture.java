package io.parley.messaging.internal.delivery;

import io.netty.channel.EventLoop;
import io.parley.messaging.Limits;
import io.parley.messaging.Message;
import io.parley.messaging.MessageListener;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.store.MessageStore;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * The delivery wing of one node, for tests that step it by hand: a {@link StoreStage} driven by {@link #step()}
 * (no store thread), receipts and the listener on executors the test runs ({@link #runReceipts()},
 * {@link #runListener()}), and streams on the loop the test gives.
 */
final class DeliveryFixture {

    final NodeId self;
    final InboundGate gate;
    final Queue<Runnable> receiptTasks = new ArrayDeque<>();
    final Queue<Runnable> listenerTasks = new ArrayDeque<>();
    final StoreStage stage;
    final OutboundContext context;
    final LimitCounters limits = new LimitCounters();
    final BodyBudget bodies;

    DeliveryFixture(NodeId self, MessageStore store, MessageListener listener, int window, int maxUnacknowledged) {
        this(self, store, listener, window, maxUnacknowledged, WallClock.system());
    }

    /** As above, with streams that read the time (for expiry) from {@code clock}. */
    DeliveryFixture(NodeId self, MessageStore store, MessageListener listener, int window, int maxUnacknowledged,
                    WallClock clock) {
        this(self, store, listener, window, maxUnacknowledged, clock, Limits.DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER,
                Limits.DEFAULT_MAX_BODY_BYTES_IN_MEMORY, maxUnacknowledged);
    }

    /**
     * As above, with the byte bounds: {@code maxInFlightBytes} per connection, {@code maxBodyBytes} of bodies in memory
     * over all streams, and at most {@code bodiesInMemory} bodies per stream.
     */
    DeliveryFixture(NodeId self, MessageStore store, MessageListener listener, int window, int maxUnacknowledged,
                    WallClock clock, long maxInFlightBytes, long maxBodyBytes, int bodiesInMemory) {
        this.self = self;
        this.gate = new InboundGate(self);
        Executor receipts = receiptTasks::add;
        this.stage = new StoreStage(self, store, new ReceiptCompletion(receipts),
                new ListenerDispatcher(self, listener, listenerTasks::add, gate), gate);
        HybridLogicalClock hlc = new HybridLogicalClock(clock);
        this.bodies = new BodyBudget(maxBodyBytes, limits);
        this.context = new OutboundContext(stage, new ReceiptCompletion(receipts), hlc, clock,
                new Quiescence(), window, maxUnacknowledged, bodiesInMemory,
                new OutboundContext.ByteBounds(maxInFlightBytes, bodies, !store.isDurable(), limits));
    }

    OutboundStream stream(NodeId peer, EventLoop loop) {
        return new OutboundStream(peer, loop, new ClockOffsetEstimator(), context);
    }

    /** Runs the store stage until nothing is queued; returns how many operations it did. */
    int step() {
        int total = 0;
        for (int n; (n = stage.doWork()) > 0; ) {
            total += n;
        }
        return total;
    }

    /** Runs what waits for the receipt thread. */
    void runReceipts() {
        for (Runnable r; (r = receiptTasks.poll()) != null; ) {
            r.run();
        }
    }

    /** Runs what waits for the listener's executor. */
    void runListener() {
        for (Runnable r; (r = listenerTasks.poll()) != null; ) {
            r.run();
        }
    }

    static Message sentMessage(NodeId from, NodeId to, long seq) {
        return new Message(java.util.UUID.randomUUID(), from, to, io.parley.messaging.Direction.SENT,
                io.parley.messaging.DeliveryStatus.PENDING, 9, seq, seq, Message.UNKNOWN_TIME,
                new io.parley.messaging.clock.HybridTimestamp(seq, 0), new byte[] {4, 5, 6});
    }

    static Message received(NodeId from, NodeId to, long incarnation, long seq) {
        return new Message(java.util.UUID.randomUUID(), from, to, io.parley.messaging.Direction.RECEIVED,
                io.parley.messaging.DeliveryStatus.RECEIVED, incarnation, seq, seq, seq,
                new io.parley.messaging.clock.HybridTimestamp(seq, 0), new byte[] {1, 2, 3});
    }
}
