package io.parley.messaging.store;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link MessageStore} in the heap: fast, and gone when the process ends. The default store, meant for tests
 * and for embedding where durability is not needed. Each instance has its own incarnation, so a node restarted
 * on a new instance is a new incarnation to its peers.
 *
 * <p>Thread-safe: writes are serialized, reads see every committed batch whole or not at all per message.
 */
public final class InMemoryMessageStore implements MessageStore {

    /**
     * A row's place in clock order. Clock and id alone do not identify a row: a peer may send two messages (or copy
     * another peer's message) with the same id and clock, and each is a row of its own, so the sender's stream
     * position breaks the tie.
     */
    private record OrderKey(HybridTimestamp hlc, UUID id, Direction direction, NodeId sender, long incarnation,
                            long sequence) implements Comparable<OrderKey> {
        static OrderKey of(Message m) {
            return new OrderKey(m.hlc(), m.id(), m.direction(), m.sender(), m.senderIncarnation(), m.sequence());
        }

        private static final Comparator<OrderKey> ORDER = Comparator.comparing(OrderKey::hlc)
                .thenComparing(OrderKey::id)
                .thenComparing(OrderKey::direction)
                .thenComparing(OrderKey::sender)
                .thenComparingLong(OrderKey::incarnation)
                .thenComparingLong(OrderKey::sequence);

        @Override
        public int compareTo(OrderKey o) {
            return ORDER.compare(this, o);
        }
    }

    private record StreamKey(NodeId sender, long incarnation) {
    }

    private record ReceivedKey(NodeId sender, long incarnation, long sequence) {
    }

    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentSkipListMap<OrderKey, Message> byClock = new ConcurrentSkipListMap<>();
    private final Map<UUID, OrderKey> sentById = new HashMap<>();
    private final Map<ReceivedKey, Message> receivedByKey = new HashMap<>();
    private final Map<StreamKey, Long> watermarks = new HashMap<>();
    private NodeId owner;
    private long incarnation;
    private volatile boolean closed;

    /** An empty store. */
    public InMemoryMessageStore() {
    }

    @Override
    public long open(NodeId newOwner) {
        writeLock.lock();
        try {
            checkOpen();
            if (owner != null && !owner.equals(newOwner)) {
                throw new StoreException("this store belongs to node " + owner + ", not " + newOwner);
            }
            if (owner == null) {
                owner = newOwner;
                long value;
                do {
                    value = ThreadLocalRandom.current().nextLong();
                } while (value == 0);
                incarnation = value;
            }
            return incarnation;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public WriteResult apply(WriteBatch batch) {
        writeLock.lock();
        try {
            checkOpen();
            checkApplicable(batch); // from here on nothing throws, so a batch is stored whole or not at all
            for (Message m : batch.sent()) {
                OrderKey key = OrderKey.of(m);
                sentById.put(m.id(), key);
                byClock.put(key, m);
            }
            List<WriteResult.ReceiveOutcome> outcomes = new ArrayList<>(batch.received().size());
            for (Message m : batch.received()) {
                ReceivedKey key = new ReceivedKey(m.sender(), m.senderIncarnation(), m.sequence());
                Message existing = receivedByKey.get(key);
                if (existing != null) {
                    outcomes.add(new WriteResult.ReceiveOutcome(true, existing.receiverTimeMicros()));
                    continue;
                }
                receivedByKey.put(key, m);
                byClock.put(OrderKey.of(m), m);
                watermarks.merge(new StreamKey(m.sender(), m.senderIncarnation()), m.sequence(), Math::max);
                outcomes.add(new WriteResult.ReceiveOutcome(false, m.receiverTimeMicros()));
            }
            for (DeliveryUpdate d : batch.deliveries()) {
                OrderKey key = sentById.get(d.messageId());
                Message m = byClock.get(key);
                if (m.status() == DeliveryStatus.PENDING) {
                    byClock.put(key, m.withDelivery(d.status(), d.receiverTimeMicros()));
                }
            }
            return new WriteResult(outcomes);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long receivedWatermark(NodeId sender, long senderIncarnation) {
        writeLock.lock();
        try {
            checkOpen();
            return watermarks.getOrDefault(new StreamKey(sender, senderIncarnation), 0L);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public List<Message> history(HistoryQuery query) {
        checkOpen();
        NavigableMap<OrderKey, Message> view =
                query.order() == HistoryQuery.Order.OLDEST_FIRST ? byClock : byClock.descendingMap();
        List<Message> page = new ArrayList<>(Math.min(query.limit(), 1024));
        for (Message m : view.values()) {
            if (query.matches(m) && query.isAfterCursor(m)) {
                page.add(m);
                if (page.size() == query.limit()) {
                    break;
                }
            }
        }
        return page;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Throws before anything is changed, so that a refused batch leaves the store as it was. */
    private void checkApplicable(WriteBatch batch) {
        Set<UUID> newSent = new HashSet<>();
        for (Message m : batch.sent()) {
            if (sentById.containsKey(m.id()) || !newSent.add(m.id())) {
                throw new StoreException("message " + m.id() + " is already stored");
            }
        }
        for (DeliveryUpdate d : batch.deliveries()) {
            if (!sentById.containsKey(d.messageId()) && !newSent.contains(d.messageId())) {
                throw new StoreException("no sent message " + d.messageId() + " to mark " + d.status());
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("store is closed");
        }
    }

    @Override
    public String toString() {
        return "InMemoryMessageStore[" + byClock.size() + " messages]";
    }
}
