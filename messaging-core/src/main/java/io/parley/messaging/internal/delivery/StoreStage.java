package io.parley.messaging.internal.delivery;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.parley.messaging.DeliveryRejectedException;
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
 * peer skipped messages, and its connection is closed rather than anything stored out of order.
 */
public final class StoreStage implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoreStage.class);

    /** Most operations committed in one batch. */
    public static final int MAX_BATCH = 4096;

    private sealed interface Op permits SendOp, ReceiveOp, DeliveryOp, BarrierOp {
    }

    private record SendOp(OutboundMessage message) implements Op {
    }

    private record ReceiveOp(Session session, Message message, HybridTimestamp receiverHlc) implements Op {
    }

    private record DeliveryOp(OutboundMessage message, DeliveryStatus status, long receiverTimeMicros, Duration roundTrip,
                              String reason) implements Op {
    }

    private record BarrierOp(CompletableFuture<Void> done) implements Op {
    }

    private record StreamKey(NodeId sender, long incarnation) {
    }

    private final NodeId self;
    private final MessageStore store;
    private final Executor receipts;
    private final ListenerDispatcher listeners;
    // Lock-free, so that an event loop handing work over never waits for a lock; the store thread parks when idle.
    private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
    private volatile boolean idle;
    private final Map<StreamKey, Long> nextExpected = new HashMap<>();
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

    /** Queues a new sent message for storing; its link gets it once it is committed. */
    public void submitSend(OutboundMessage message) {
        enqueue(new SendOp(message));
    }

    /**
     * Queues a received message; it is acked on {@code session} once committed. The {@link InboundGate} stops
     * reading the connection while too many received messages wait.
     */
    public void submitReceive(Session session, Message message, HybridTimestamp receiverHlc) {
        gate.admitted(session.channel(), message.payloadSize());
        enqueue(new ReceiveOp(session, message, receiverHlc));
    }

    /** Queues the outcome of a sent message; its future completes once committed. */
    public void submitDelivery(OutboundMessage message, DeliveryStatus status, long receiverTimeMicros,
                               Duration roundTrip, String reason) {
        enqueue(new DeliveryOp(message, status, receiverTimeMicros, roundTrip, reason));
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
        List<DeliveryOp> deliveries = new ArrayList<>();
        List<BarrierOp> barriers = new ArrayList<>();
        Set<Session> broken = new HashSet<>();
        for (Op op : ops) {
            if (op instanceof SendOp s) {
                sends.add(s.message());
            } else if (op instanceof ReceiveOp r) {
                if (!broken.contains(r.session()) && inOrder(r)) {
                    receives.add(r);
                } else {
                    broken.add(r.session());
                    gate.released(List.of(r.message()));
                }
            } else if (op instanceof DeliveryOp d) {
                deliveries.add(d);
            } else if (op instanceof BarrierOp b) {
                barriers.add(b);
            }
        }
        WriteResult result;
        try {
            result = store.apply(new WriteBatch(
                    sends.stream().map(OutboundMessage::message).toList(),
                    receives.stream().map(ReceiveOp::message).toList(),
                    deliveries.stream().map(d -> new DeliveryUpdate(d.message().message().recipient(), d.message().seq(), d.status(), d.receiverTimeMicros())).toList()));
        } catch (RuntimeException e) {
            failBatch(e, sends, receives, deliveries);
            barriers.forEach(b -> b.done().complete(null));
            return;
        }
        passOnSends(sends);
        passOnReceives(receives, result.received());
        passOnDeliveries(deliveries);
        barriers.forEach(b -> b.done().complete(null));
    }

    private boolean inOrder(ReceiveOp r) {
        Message m = r.message();
        StreamKey key = new StreamKey(m.sender(), m.senderIncarnation());
        long expected = nextExpected.computeIfAbsent(key, k -> store.receivedWatermark(k.sender(), k.incarnation()) + 1);
        if (m.sequence() > expected) {
            String reason = "sequence gap from " + m.sender() + ": expected " + expected + ", got " + m.sequence();
            log.warn("{}: closing connection to {}: {}", self, m.sender(), reason);
            r.session().markClosing();
            Channel ch = r.session().channel();
            ch.writeAndFlush(Frames.error(Error.Code.CODE_PROTOCOL_VIOLATION, reason)).addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        if (m.sequence() == expected) {
            nextExpected.put(key, expected + 1);
        }
        return true; // a smaller one is a duplicate: the store keeps the first copy and it is acked again
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

    private void passOnDeliveries(List<DeliveryOp> deliveries) {
        settle(deliveries, DeliveryOp::message, d -> {
            Message m = d.message().message();
            if (d.status() == DeliveryStatus.DELIVERED) {
                d.message().future().complete(new Receipt(m.id(), m.recipient(), m.senderTimeMicros(),
                        d.receiverTimeMicros(), d.roundTrip(), DeliveryStatus.DELIVERED));
            } else {
                d.message().future().completeExceptionally(new DeliveryRejectedException(
                        m.recipient() + " rejected message " + m.id() + ": " + d.reason()));
            }
        });
    }

    /**
     * Completes the futures of sent messages that reached a final state, on the receipt thread, and only then
     * releases them from their links: they count as outstanding until their callbacks have run, so slow receipt
     * callbacks hold back {@code send()}.
     */
    private <T> void settle(List<T> items, Function<T, OutboundMessage> message, Consumer<T> complete) {
        if (items.isEmpty()) {
            return;
        }
        receipts.execute(() -> {
            Map<PeerLink, Integer> perLink = new IdentityHashMap<>();
            for (T item : items) {
                complete.accept(item);
                perLink.merge(message.apply(item).link(), 1, Integer::sum);
            }
            perLink.forEach(PeerLink::released);
        });
    }

    private void failBatch(RuntimeException e, List<OutboundMessage> sends, List<ReceiveOp> receives,
                           List<DeliveryOp> deliveries) {
        log.error("{}: could not store a batch of {} sent, {} received and {} delivered messages", self, sends.size(),
                receives.size(), deliveries.size(), e);
        StoreException cause = e instanceof StoreException se ? se : new StoreException("store failed: " + e.getMessage(), e);
        settle(sends, Function.identity(), m -> m.future().completeExceptionally(cause));
        // Received messages were not stored, so they are not acked: close their connections, and the senders
        // retransmit them when they reconnect. The expected sequence is read again from the store then.
        gate.released(receives.stream().map(ReceiveOp::message).toList());
        for (ReceiveOp r : receives) {
            nextExpected.remove(new StreamKey(r.message().sender(), r.message().senderIncarnation()));
            Channel ch = r.session().channel();
            if (ch.isActive()) {
                ch.writeAndFlush(Frames.error(Error.Code.CODE_INTERNAL, "receiver could not store messages; reconnect and retry"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
        // Delivery updates were not recorded; their messages stay PENDING in the store, and their futures fail.
        settle(deliveries, DeliveryOp::message, d -> d.message().future().completeExceptionally(new StoreException(
                "message " + d.message().message().id() + " was delivered but its receipt could not be stored", cause)));
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
