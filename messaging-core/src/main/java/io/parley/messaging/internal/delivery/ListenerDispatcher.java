package io.parley.messaging.internal.delivery;

import io.parley.messaging.Message;
import io.parley.messaging.MessageListener;
import io.parley.messaging.NodeId;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the message listener on the user's executor one call at a time, in the order messages were stored, so
 * that each sender's messages arrive in send order even on a multi-threaded executor.
 */
public final class ListenerDispatcher {

    private static final Logger log = LoggerFactory.getLogger(ListenerDispatcher.class);

    private final NodeId self;
    private final MessageListener listener;
    private final Executor executor;
    private final InboundGate gate;
    private final ConcurrentLinkedQueue<List<Message>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    public ListenerDispatcher(NodeId self, MessageListener listener, Executor executor, InboundGate gate) {
        this.self = self;
        this.listener = listener;
        this.executor = executor;
        this.gate = gate;
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
        queue.add(messages);
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException e) {
                scheduled.set(false);
                log.error("{}: listener executor refused work; {} batches of messages not shown to the listener",
                        self, queue.size(), e);
            }
        }
    }

    private void drain() {
        List<Message> batch;
        int budget = 64;
        while (budget-- > 0 && (batch = queue.poll()) != null) {
            for (Message m : batch) {
                try {
                    listener.onMessage(m);
                } catch (RuntimeException e) {
                    log.warn("{}: message listener threw on message {} from {}", self, m.id(), m.sender(), e);
                }
            }
            gate.released(batch);
        }
        scheduled.set(false);
        if (!queue.isEmpty()) {
            schedule(); // yield the executor's thread to others, then go on
        }
    }
}
