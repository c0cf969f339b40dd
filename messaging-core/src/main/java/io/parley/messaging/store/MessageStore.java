package io.parley.messaging.store;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.util.List;

/**
 * Where a node keeps the messages it sends and receives: the service-provider interface behind
 * {@link InMemoryMessageStore} and the durable stores.
 *
 * <p>The node calls {@link #open} once, then {@link #apply} and {@link #receivedWatermark} only from its own
 * store thread, never from a network event loop, with as many changes in one {@link WriteBatch} as have
 * queued up: an implementation commits each batch atomically (one transaction, one sync), which is what makes
 * durability cheap. {@link #history} may be called from any thread at any time, also while a batch is being
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
     * Applies every change in {@code batch} atomically: all of them are stored, or none is and this method
     * throws.
     *
     * <p>Sent messages are inserted as given. Received messages are inserted unless one with the same sender,
     * sender incarnation and sequence is already stored, in which case the stored one is kept and reported as
     * a duplicate. Deliveries change the status and receiver time of sent messages.
     *
     * @return one outcome per received message, in the batch's order
     * @throws StoreException if the batch could not be stored
     */
    WriteResult apply(WriteBatch batch);

    /**
     * The highest sequence stored from {@code sender}'s store incarnation {@code senderIncarnation}, or 0 if
     * none. The node receives sequences in order, so every smaller one is stored too.
     */
    long receivedWatermark(NodeId sender, long senderIncarnation);

    /** Stored messages matching {@code query}, in its order, at most its limit. */
    List<Message> history(HistoryQuery query);

    /** Releases what the store holds; a durable store has already committed everything applied. */
    @Override
    void close();
}
