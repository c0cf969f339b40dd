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
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link MessageStore} in the heap: fast, and gone when the process ends. The default store, meant for tests
 * and for embedding where durability is not needed. Each instance has its own incarnation, so a node restarted
 * on a new instance is a new incarnation to its peers; a node restarted on the same instance (closed and opened
 * again) is the same incarnation and carries on its streams, as with a file.
 *
 * <p>Thread-safe: writes are serialized, reads see every committed batch whole or not at all per message.
 */
public final class InMemoryMessageStore implements MessageStore {

    /**
     * A row's place in clock order. Clock and id alone do not identify a row: a peer may send two messages (or copy
     * another peer's message) with the same id and clock, and each is a row of its own, so the sender's stream
     * position breaks the tie; a sent message is placed in its stream by its recipient too, as sequences count
     * per recipient.
     */
    private record OrderKey(HybridTimestamp hlc, UUID id, Direction direction, NodeId sender, long incarnation,
                            long sequence, NodeId recipient) implements Comparable<OrderKey> {
        static OrderKey of(Message m) {
            return new OrderKey(m.hlc(), m.id(), m.direction(), m.sender(), m.senderIncarnation(), m.sequence(),
                    m.recipient());
        }

        private static final Comparator<OrderKey> ORDER = Comparator.comparing(OrderKey::hlc)
                .thenComparing(OrderKey::id)
                .thenComparing(OrderKey::direction)
                .thenComparing(OrderKey::sender)
                .thenComparingLong(OrderKey::incarnation)
                .thenComparingLong(OrderKey::sequence)
                .thenComparing(OrderKey::recipient);

        @Override
        public int compareTo(OrderKey o) {
            return ORDER.compare(this, o);
        }
    }

    private record StreamKey(NodeId sender, long incarnation) {
    }

    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentSkipListMap<OrderKey, Message> byClock = new ConcurrentSkipListMap<>();
    // Guarded by writeLock.
    private final Map<NodeId, TreeMap<Long, OrderKey>> sentByPeer = new HashMap<>();
    private final Map<NodeId, TreeMap<Long, OrderKey>> pendingByPeer = new HashMap<>();
    private final Map<StreamKey, TreeMap<Long, Message>> receivedByStream = new HashMap<>();
    private NodeId owner;
    private long incarnation;
    private volatile boolean closed;

    /** An empty store. */
    public InMemoryMessageStore() {
    }

    /**
     * Opens the store for {@code newOwner}. A store that was closed may be opened again by the same owner and
     * keeps what it held, like a file that outlives a process: a node restarted on it is the same incarnation.
     */
    @Override
    public long open(NodeId newOwner) {
        writeLock.lock();
        try {
            if (owner != null && !owner.equals(newOwner)) {
                throw new StoreException("this store belongs to node " + owner + ", not " + newOwner);
            }
            closed = false;
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
                byClock.put(key, m);
                sentByPeer.computeIfAbsent(m.recipient(), p -> new TreeMap<>()).put(m.sequence(), key);
                if (m.status() == DeliveryStatus.PENDING) {
                    pendingByPeer.computeIfAbsent(m.recipient(), p -> new TreeMap<>()).put(m.sequence(), key);
                }
            }
            List<WriteResult.ReceiveOutcome> outcomes = new ArrayList<>(batch.received().size());
            for (Message m : batch.received()) {
                TreeMap<Long, Message> stream = receivedByStream.computeIfAbsent(
                        new StreamKey(m.sender(), m.senderIncarnation()), k -> new TreeMap<>());
                Message existing = stream.get(m.sequence());
                if (existing != null) {
                    outcomes.add(new WriteResult.ReceiveOutcome(true, existing.receiverTimeMicros()));
                    continue;
                }
                stream.put(m.sequence(), m);
                byClock.put(OrderKey.of(m), m);
                outcomes.add(new WriteResult.ReceiveOutcome(false, m.receiverTimeMicros()));
            }
            for (DeliveryUpdate d : batch.deliveries()) {
                TreeMap<Long, OrderKey> pending = pendingByPeer.get(d.recipient());
                OrderKey key = pending == null ? null : pending.remove(d.sequence());
                if (key != null) {
                    byClock.computeIfPresent(key, (k, m) -> m.withDelivery(d.status(), d.receiverTimeMicros()));
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
            TreeMap<Long, Message> stream = receivedByStream.get(new StreamKey(sender, senderIncarnation));
            return stream == null || stream.isEmpty() ? 0 : stream.lastKey();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public List<Message> received(NodeId sender, long senderIncarnation, long afterSequence, int limit) {
        writeLock.lock();
        try {
            checkOpen();
            TreeMap<Long, Message> stream = receivedByStream.get(new StreamKey(sender, senderIncarnation));
            return stream == null ? List.of() : stream.tailMap(afterSequence, false).values().stream().limit(limit).toList();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public List<Outbox> outboxes() {
        writeLock.lock();
        try {
            checkOpen();
            List<Outbox> all = new ArrayList<>(sentByPeer.size());
            sentByPeer.forEach((peer, sent) -> {
                TreeMap<Long, OrderKey> pending = pendingByPeer.getOrDefault(peer, new TreeMap<>());
                all.add(new Outbox(peer, sent.lastKey(), pending.isEmpty() ? 0 : pending.firstKey(), pending.size()));
            });
            return all;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public List<Message> pending(NodeId recipient, long afterSequence, int limit) {
        writeLock.lock();
        try {
            checkOpen();
            TreeMap<Long, OrderKey> pending = pendingByPeer.get(recipient);
            if (pending == null) {
                return List.of();
            }
            return pending.tailMap(afterSequence, false).values().stream().limit(limit).map(byClock::get).toList();
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

    /** Closes the store; {@link #open} opens it again with everything it held. */
    @Override
    public void close() {
        closed = true;
    }

    /** Throws before anything is changed, so that a refused batch leaves the store as it was. */
    private void checkApplicable(WriteBatch batch) {
        Map<NodeId, Set<Long>> newSent = new HashMap<>();
        for (Message m : batch.sent()) {
            TreeMap<Long, OrderKey> sent = sentByPeer.get(m.recipient());
            if ((sent != null && sent.containsKey(m.sequence()))
                    || !newSent.computeIfAbsent(m.recipient(), p -> new HashSet<>()).add(m.sequence())) {
                throw new StoreException("message " + m.sequence() + " to " + m.recipient() + " is already stored");
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
