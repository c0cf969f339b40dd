package io.parley.messaging.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands items to a consumer on an executor, one call at a time and in the order they were submitted, whatever the
 * executor (a user's pool of many threads too). Submitting never blocks. After 64 items the consumer gives the
 * executor's thread back and is scheduled again, so one busy hand-off cannot hold a shared thread for long.
 *
 * @param <T> the items
 */
public final class OrderedHandoff<T> {

    private static final Logger log = LoggerFactory.getLogger(OrderedHandoff.class);
    private static final int ITEMS_PER_TURN = 64;

    private final String name;
    private final Executor executor;
    private final Consumer<T> consumer;
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /**
     * @param name what the items are and for whom, for log lines ("n1: peer events")
     * @param consumer takes one item; what it throws is logged and the next item goes on
     */
    public OrderedHandoff(String name, Executor executor, Consumer<T> consumer) {
        this.name = name;
        this.executor = executor;
        this.consumer = consumer;
    }

    /** Queues {@code item} for the consumer, and hands the consumer's turn to the executor. */
    public void submit(T item) {
        queue.add(item);
        schedule();
    }

    /**
     * Queues {@code item} without calling the executor: for a caller holding a lock, which must not run the
     * executor's code (a direct executor would run the consumer right there). Call {@link #schedule()} once the lock
     * is released.
     */
    public void enqueue(T item) {
        queue.add(item);
    }

    /** Hands the consumer's turn to the executor, if items wait and no turn is scheduled yet. */
    public void schedule() {
        if (queue.isEmpty()) {
            return;
        }
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException e) {
                scheduled.set(false);
                log.error("{}: executor refused work; {} not handed on", name, queue.size(), e);
            }
        }
    }

    private void drain() {
        T item;
        int budget = ITEMS_PER_TURN;
        while (budget-- > 0 && (item = queue.poll()) != null) {
            try {
                consumer.accept(item);
            } catch (RuntimeException e) {
                log.warn("{}: failed on {}", name, item, e);
            }
        }
        scheduled.set(false);
        if (!queue.isEmpty()) {
            schedule(); // yield the executor's thread to others, then go on
        }
    }
}
