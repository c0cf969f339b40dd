package io.parley.messaging.store;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.util.List;

/**
 * A {@link MessageStore} that passes every call to another, for tests that hold back, count or change one call
 * by overriding it.
 */
public class ForwardingMessageStore implements MessageStore {

    private final MessageStore delegate;

    public ForwardingMessageStore(MessageStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public long open(NodeId owner) {
        return delegate.open(owner);
    }

    @Override
    public boolean isDurable() {
        return delegate.isDurable();
    }

    @Override
    public WriteResult apply(WriteBatch batch) {
        return delegate.apply(batch);
    }

    @Override
    public long receivedWatermark(NodeId sender, long senderIncarnation) {
        return delegate.receivedWatermark(sender, senderIncarnation);
    }

    @Override
    public List<Message> received(NodeId sender, long senderIncarnation, long afterSequence, int limit) {
        return delegate.received(sender, senderIncarnation, afterSequence, limit);
    }

    @Override
    public List<Outbox> outboxes() {
        return delegate.outboxes();
    }

    @Override
    public List<Message> pending(NodeId recipient, long afterSequence, int limit) {
        return delegate.pending(recipient, afterSequence, limit);
    }

    @Override
    public List<Message> pending(NodeId recipient, long afterSequence, int limit, long maxBytes) {
        return delegate.pending(recipient, afterSequence, limit, maxBytes);
    }

    @Override
    public List<Message> history(HistoryQuery query) {
        return delegate.history(query);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
