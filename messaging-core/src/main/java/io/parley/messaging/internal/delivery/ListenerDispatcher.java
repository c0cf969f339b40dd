package io.parley.messaging.internal.delivery;

import io.parley.messaging.Message;
import io.parley.messaging.MessageListener;
import io.parley.messaging.NodeId;
import io.parley.messaging.internal.OrderedHandoff;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the message listener on the user's executor one call at a time, in the order messages were stored, so
 * that each sender's messages arrive in send order even on a multi-threaded executor. If the executor refuses
 * work, the messages queued then are not shown to the listener (they stay stored) and are released from the
 * {@link InboundGate} at once, so that reading from peers goes on.
 */
public final class ListenerDispatcher {

    private static final Logger log = LoggerFactory.getLogger(ListenerDispatcher.class);

    private final NodeId self;
    private final MessageListener listener;
    private final InboundGate gate;
    private final OrderedHandoff<List<Message>> handoff;

    public ListenerDispatcher(NodeId self, MessageListener listener, Executor executor, InboundGate gate) {
        this.self = self;
        this.listener = listener;
        this.gate = gate;
        // Messages the executor refuses are stored but never shown: released, so the gate does not wait for them.
        this.handoff = new OrderedHandoff<>(self + ": message listener", executor, this::show, gate::released);
    }

    /**
     * Queues {@code messages} for the listener, in order, and releases them from the {@link InboundGate} once
     * the listener has seen them. Called from the store thread.
     */
    public void deliver(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        if (listener == null) {
            gate.released(messages);
            return;
        }
        handoff.submit(messages);
    }

    private void show(List<Message> batch) {
        for (Message m : batch) {
            try {
                listener.onMessage(m);
            } catch (RuntimeException e) {
                log.warn("{}: message listener threw on message {} from {}", self, m.id(), m.sender(), e);
            }
        }
        gate.released(batch);
    }
}
