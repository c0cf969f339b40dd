package io.parley.messaging.internal;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Agent} on a thread of its own: calls {@link Agent#doWork()} while it finds work, parks while it
 * finds none (woken by {@link #wake()}, or after 100 ms at the latest), and once {@link #close} is called, calls
 * it until it finds nothing more, then {@link Agent#onClose()}, and ends. What the agent throws is logged and the
 * loop goes on: one bad batch never ends the stage.
 */
public final class AgentRunner {

    private static final Logger log = LoggerFactory.getLogger(AgentRunner.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Agent agent;
    private final Thread thread;
    private volatile boolean idle;
    private volatile boolean stopping;

    public AgentRunner(Agent agent, ThreadFactory threads) {
        this.agent = agent;
        this.thread = threads.newThread(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Wakes the agent's thread if it is parked: work was queued. Cheap when it is busy. */
    public void wake() {
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        try {
            while (true) {
                if (step() > 0) {
                    continue;
                }
                if (stopping) {
                    if (step() == 0) { // once more after seeing the flag: what came before it is done
                        return;
                    }
                    continue;
                }
                idle = true;
                try {
                    // Looked at again once idle is visible: work handed in before that did not wake this thread.
                    if (step() == 0 && !stopping) {
                        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                    }
                } finally {
                    idle = false;
                }
            }
        } finally {
            try {
                agent.onClose();
            } catch (RuntimeException | Error e) {
                log.error("{} failed while closing", agent.roleName(), e);
            }
        }
    }

    private int step() {
        try {
            return agent.doWork();
        } catch (RuntimeException | Error e) {
            log.error("{} failed on a piece of work; going on", agent.roleName(), e);
            return 1;
        }
    }

    /**
     * Lets the agent finish what is queued, then ends it; waits for that at most {@code timeout}.
     *
     * @return whether the thread ended in time (false: it is still working, and ends, calling
     *     {@link Agent#onClose()}, when its work is done)
     */
    public boolean close(Duration timeout) {
        stopping = true;
        LockSupport.unpark(thread);
        if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            agent.onClose(); // never started: close on the caller's thread, which owns it then
            return true;
        }
        try {
            // Blocks the caller: Node.close(), which refuses to run on any of the node's own threads (event loops
            // among them).
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** Whether this is the agent's own thread. */
    public boolean isAgentThread() {
        return Thread.currentThread() == thread;
    }
}
