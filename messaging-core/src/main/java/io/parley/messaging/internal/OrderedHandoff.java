package io.parley.messaging.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands items to a consumer on an executor, one call at a time and in the order they were submitted, whatever the
 * executor (a user's pool of many threads too). Submitting never blocks. After 64 items the consumer gives the
 * executor's thread back and is scheduled again, so one busy hand-off cannot hold a shared thread for long.
 *
 * <p>If the executor refuses work (it was shut down, or it is saturated and rejects), every item queued at that
 * moment is dropped: an ERROR is logged and each is handed to the {@code refused} callback, so that its owner can
 * release what the item held (received messages counted against the inbound backlog, for one). Nothing stays queued
 * waiting for an executor that may never run it; the next submit tries the executor again.
 *
 * @param <T> the items
 */
public final class OrderedHandoff<T> {

    private static final Logger log = LoggerFactory.getLogger(OrderedHandoff.class);
    private static final int ITEMS_PER_TURN = 64;

    private final String name;
    private final Executor executor;
    private final Consumer<T> consumer;
    private final Consumer<? super T> refused;
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong refusals = new AtomicLong();

    /** A hand-off whose items, if the executor refuses them, are only logged as dropped. */
    public OrderedHandoff(String name, Executor executor, Consumer<T> consumer) {
        this(name, executor, consumer, item -> { });
    }

    /**
     * @param name what the items are and for whom, for log lines ("n1: peer events")
     * @param consumer takes one item; what it throws is logged and the next item goes on
     * @param refused takes each item dropped because the executor refused work, on the thread that saw the refusal
     *     (a submitter's, or the executor's own at the end of a turn); what it throws is logged
     */
    public OrderedHandoff(String name, Executor executor, Consumer<T> consumer, Consumer<? super T> refused) {
        this.name = name;
        this.executor = executor;
        this.consumer = consumer;
        this.refused = refused;
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
        // Looping: an item submitted while a refusal was being handled found the flag taken and left it to us.
        while (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
                return;
            } catch (RuntimeException e) {
                dropQueued(e);
            }
        }
    }

    /** The executor refused: drops what is queued (holding the flag, so no turn runs meanwhile), then lets go. */
    private void dropQueued(RuntimeException refusal) {
        List<T> dropped = new ArrayList<>();
        for (T item; (item = queue.poll()) != null; ) {
            dropped.add(item);
        }
        scheduled.set(false);
        if (refusals.getAndIncrement() == 0) {
            log.error("{}: the executor refused work; {} queued item(s) dropped, never handed on", name, dropped.size(),
                    refusal);
        } else {
            log.error("{}: the executor refused work again ({}); {} queued item(s) dropped, never handed on", name,
                    refusal.toString(), dropped.size());
        }
        for (T item : dropped) {
            try {
                refused.accept(item);
            } catch (RuntimeException e) {
                log.warn("{}: failed to release dropped {}", name, item, e);
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
        schedule(); // if more is queued: yield the executor's thread to others, then go on
    }
}
