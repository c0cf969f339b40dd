package io.parley.messaging.internal.membership;

import io.parley.messaging.NodeId;
import io.parley.messaging.PeerEvent;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerListener;
import io.parley.messaging.PeerState;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.OrderedHandoff;
import java.util.concurrent.Executor;

/**
 * Hands peer state changes to the user's {@link PeerListener} on its executor, one call at a time and in the order
 * they were emitted, whatever the executor. A change is queued while its peer's lock is held (which keeps one
 * peer's changes in order) and handed to the executor only after the lock is released: the executor, and the
 * listener if the executor runs it directly, never run under a lock of the node's.
 */
public final class PeerEventDispatcher {

    private final PeerListener listener;
    private final WallClock clock;
    private final OrderedHandoff<PeerEvent> handoff;

    /** A dispatcher to {@code listener} on {@code executor}; both null when no listener is set. */
    public PeerEventDispatcher(NodeId self, PeerListener listener, Executor executor, WallClock clock) {
        this.listener = listener;
        this.clock = clock;
        this.handoff = listener == null ? null : new OrderedHandoff<>(self + ": peer listener", executor, listener::onPeerEvent);
    }

    /**
     * A peer went from {@code previous} to {@code state}; {@code info} is what is known of it now. Only queues the
     * event; {@link #dispatch()} hands it on.
     */
    void queue(PeerInfo info, PeerState previous, PeerState state) {
        if (listener != null) {
            handoff.enqueue(new PeerEvent(info.id(), previous, state, info, WallClock.toInstant(clock.nowMicros())));
        }
    }

    /** Hands what was queued to the listener's executor. Call holding no lock. */
    void dispatch() {
        if (listener != null) {
            handoff.schedule();
        }
    }
}
