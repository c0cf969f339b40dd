package io.parley.messaging.internal.delivery;

import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop that owns an outbound stream's state, and can move: a stream lives on the loop of its current
 * connection, so that its state and its channel share one thread and no Envelope write crosses threads. A
 * connection this node dialled runs on the stream's loop already; an accepted one runs wherever the server
 * channel put it, and the stream moves there when it attaches it.
 *
 * <p>Tasks run one at a time and in the order they were handed in, from any thread, before and after a move, as
 * in an actor's mailbox: each goes into this queue, and one drain at a time runs them on the current loop. A task
 * handed in on the current loop while nothing is queued runs at once, as {@code runOnLoop} would. A drain that
 * finds the loop moved under it hands the rest of the queue to the new loop. A drain runs at most
 * {@link #TASKS_PER_DRAIN} tasks before it yields the loop to others.
 */
final class HomeLoop implements Executor {

    static final int TASKS_PER_DRAIN = 1024;

    private static final Logger log = LoggerFactory.getLogger(HomeLoop.class);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile EventLoop loop;

    HomeLoop(EventLoop loop) {
        this.loop = loop;
    }

    /** The loop that owns the state now. */
    EventLoop loop() {
        return loop;
    }

    /** Whether the calling thread is the current loop's. */
    boolean inLoop() {
        return loop.inEventLoop();
    }

    /**
     * Moves the state to {@code next}: tasks after the one running go to it. Called from a task, on the current
     * loop, so the move is ordered with everything else the state sees.
     */
    void moveTo(EventLoop next) {
        loop = next;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (draining.compareAndSet(false, true)) {
            EventLoop current = loop;
            if (current.inEventLoop()) {
                drain();
            } else {
                current.execute(this::drain);
            }
        }
    }

    private void drain() {
        int budget = TASKS_PER_DRAIN;
        while (true) {
            EventLoop current = loop;
            if (!current.inEventLoop()) {
                current.execute(this::drain); // moved: the rest runs on the new loop, in order
                return;
            }
            Runnable task;
            if (budget-- == 0 || (task = tasks.poll()) == null) {
                draining.set(false);
                // Handed in after the poll found nothing (or while the budget ran out): take the turn again, or
                // leave it to the submitter who got it.
                if (!tasks.isEmpty() && draining.compareAndSet(false, true)) {
                    if (budget < 0) {
                        loop.execute(this::drain);
                        return;
                    }
                    continue;
                }
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("a task of an outbound stream failed; going on with the next", e); // never stop the drain
            }
        }
    }
}
