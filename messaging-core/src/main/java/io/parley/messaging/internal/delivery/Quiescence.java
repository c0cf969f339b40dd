package io.parley.messaging.internal.delivery;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Lets {@code close()} wait until nothing is left in flight, woken by the events that can bring that about
 * (a message settled, a connection lost) rather than by polling. Signalling costs a volatile read unless someone
 * waits.
 */
public final class Quiescence {

    private final Object lock = new Object();
    private volatile boolean watched;

    /** Something that can end the wait happened. Never blocks for long: the waiter only holds the lock to check. */
    public void changed() {
        if (watched) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    /**
     * Waits until {@code done} holds, at most {@code timeout}, checking it again after every {@link #changed()}.
     *
     * @return whether {@code done} held in time
     */
    public boolean await(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        watched = true;
        try {
            synchronized (lock) {
                while (!done.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return true;
            }
        } finally {
            watched = false;
        }
    }
}
