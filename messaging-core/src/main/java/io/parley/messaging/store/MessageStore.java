package io.parley.messaging.store;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.util.List;

/**
 * Where a node keeps the messages it sends and receives: the service-provider interface behind
 * {@link InMemoryMessageStore} and the durable stores.
 *
 * <p>The node calls {@link #open} and {@link #outboxes} once as it starts, then every other method but
 * {@link #history} only from its own store thread, never from a network event loop, and {@link #apply} with as
 * many changes in one {@link WriteBatch} as have queued up: an implementation commits each batch atomically
 * (one transaction, one sync), which is what makes durability cheap. {@link #history} may be called from any thread at any time, also while a batch is being
 * applied. {@link #close} is called once, after the last batch.
 */
public interface MessageStore extends AutoCloseable {

    /**
     * Opens the store for {@code owner}. A store that is new records the owner and makes a random, non-zero
     * incarnation; a store opened again returns the incarnation it made then.
     *
     * @return the incarnation, which tags every message this node sends so that receivers never take a
     *     message from a wiped store for a duplicate
     * @throws StoreException if the store belongs to another node or cannot be opened
     */
    long open(NodeId owner);

    /**
     * Whether what {@link #apply} committed survives the end of the process. A durable store keeps a peer's
     * backlog for the node, so the node holds no more than a window of it in memory and accepts up to
     * {@link io.parley.messaging.Limits#maxDurableBacklogPerPeer()} unacknowledged messages per peer instead of
     * {@link io.parley.messaging.Limits#maxQueuedPerPeer()}.
     */
    default boolean isDurable() {
        return false;
    }

    /**
     * Applies every change in {@code batch} atomically: all of them are stored, or none is and this method
     * throws.
     *
     * <p>Sent messages are inserted as given. Received messages are inserted unless one with the same sender,
     * sender incarnation and sequence is already stored, in which case the stored one is kept and reported as
     * a duplicate. Deliveries change the status and receiver time of sent messages that are still PENDING;
     * an update for a message that is not PENDING, or not stored, changes nothing.
     *
     * @return one outcome per received message, in the batch's order
     * @throws StoreUnavailableException if the store cannot write for now (a full disk, I/O errors, a read-only
     *     file system): nothing is stored, and the node holds the batch and applies it again, unchanged, until it is
     *     stored; the store must then accept it as if it were new
     * @throws StoreException if the batch could not be stored for another reason; the node fails it
     */
    WriteResult apply(WriteBatch batch);

    /**
     * The highest sequence stored from {@code sender}'s store incarnation {@code senderIncarnation}, or 0 if
     * none. The node stores each stream's messages in order, so every smaller one the sender did not withdraw
     * is stored too.
     */
    long receivedWatermark(NodeId sender, long senderIncarnation);

    /**
     * Received messages from {@code sender}'s incarnation {@code senderIncarnation} with a sequence above
     * {@code afterSequence}, in sequence order, at most {@code limit}: what the node acks again when the sender
     * reconnects without having recorded the first acks.
     */
    List<Message> received(NodeId sender, long senderIncarnation, long afterSequence, int limit);

    /** For every peer this store has sent messages to, where that stream stands. */
    List<Outbox> outboxes();

    /**
     * PENDING messages sent to {@code recipient} with a sequence above {@code afterSequence}, in sequence order,
     * at most {@code limit}: the backlog the node loads a window at a time, also after a restart.
     */
    List<Message> pending(NodeId recipient, long afterSequence, int limit);

    /**
     * As {@link #pending(NodeId, long, int)}, but stops after the message whose payload brings the payloads read to
     * {@code maxBytes} or more (always at least one message): a read never holds more than about {@code maxBytes} of
     * bodies. A store that keeps every body in memory anyway may ignore {@code maxBytes}, as this default does.
     */
    default List<Message> pending(NodeId recipient, long afterSequence, int limit, long maxBytes) {
        return pending(recipient, afterSequence, limit);
    }

    /** Stored messages matching {@code query}, in its order, at most its limit. */
    List<Message> history(HistoryQuery query);

    /** Releases what the store holds; a durable store has already committed everything applied. */
    @Override
    void close();
}
