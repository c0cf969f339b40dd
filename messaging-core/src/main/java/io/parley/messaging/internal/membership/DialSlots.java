package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.parley.messaging.Limit;
import io.parley.messaging.internal.LimitCounters;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the dials being made at once, peers' and seeds' together: a dial holds a slot from just before it is
 * made until its channel's handshake completes or the channel closes; a dial that finds every slot taken waits,
 * in order, and is handed the next slot that frees ({@link Limit#CONCURRENT_DIALS}). With 1,000 unreachable
 * addresses the node keeps at most {@code max} sockets connecting, instead of one file descriptor per address.
 *
 * <p>Thread-safe: the count and the queue are guarded by this object's monitor; waiting dials are started
 * outside it.
 */
final class DialSlots {

    private final int max;
    private final LimitCounters counters;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>(); // guarded by this
    private final Set<Channel> held = ConcurrentHashMap.newKeySet();
    private int inUse; // guarded by this
    private int mostInUse; // guarded by this

    DialSlots(int max, LimitCounters counters) {
        this.max = max;
        this.counters = counters;
    }

    /**
     * Takes a slot for a dial about to be made, or, if none is free, queues {@code whenFree}, to be run (from
     * whatever thread frees one) holding the slot handed to it; it must make its dial or {@link #release()}.
     *
     * @return whether the caller holds a slot now
     */
    boolean acquire(Runnable whenFree) {
        synchronized (this) {
            if (inUse < max) {
                inUse++;
                mostInUse = Math.max(mostInUse, inUse);
                return true;
            }
            waiting.add(whenFree);
        }
        counters.reached(Limit.CONCURRENT_DIALS);
        return false;
    }

    /** Gives back a slot taken without making a dial, or whose dial ended: the next waiting dial gets it. */
    void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                inUse--;
            }
        }
        if (next != null) {
            next.run();
        }
    }

    /** The slot taken is now {@code channel}'s: it is given back when the channel closes or {@link #ended} says so. */
    void hold(Channel channel) {
        held.add(channel);
        channel.closeFuture().addListener(f -> ended(channel));
    }

    /** The dial of {@code channel} is over (its handshake completed, or it closed); called any number of times. */
    void ended(Channel channel) {
        if (held.remove(channel)) {
            release();
        }
    }

    /** Dials being made now. */
    synchronized int inUse() {
        return inUse;
    }

    /** Dials waiting for a slot. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** The most dials ever made at once. */
    synchronized int mostInUse() {
        return mostInUse;
    }
}
