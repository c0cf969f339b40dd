package io.parley.messaging.internal.membership;

import io.parley.messaging.NodeId;
import io.parley.messaging.PeerEvent;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerListener;
import io.parley.messaging.PeerState;
import io.parley.messaging.clock.WallClock;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands peer state changes to the user's {@link PeerListener} on its executor, one call at a time and in the order
 * they were emitted, whatever the executor. Emitting never blocks (event loops emit, holding a peer's monitor, which
 * is what keeps one peer's changes in order).
 */
public final class PeerEventDispatcher {

    private static final Logger log = LoggerFactory.getLogger(PeerEventDispatcher.class);

    private final NodeId self;
    private final PeerListener listener;
    private final Executor executor;
    private final WallClock clock;
    private final ConcurrentLinkedQueue<PeerEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /** A dispatcher to {@code listener} on {@code executor}; both null when no listener is set. */
    public PeerEventDispatcher(NodeId self, PeerListener listener, Executor executor, WallClock clock) {
        this.self = self;
        this.listener = listener;
        this.executor = executor;
        this.clock = clock;
    }

    /** A peer went from {@code previous} to {@code state}; {@code info} is what is known of it now. */
    void emit(PeerInfo info, PeerState previous, PeerState state) {
        if (listener == null) {
            return;
        }
        queue.add(new PeerEvent(info.id(), previous, state, info, WallClock.toInstant(clock.nowMicros())));
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException e) {
                scheduled.set(false);
                log.error("{}: peer event executor refused work; {} peer events not delivered", self, queue.size(), e);
            }
        }
    }

    private void drain() {
        PeerEvent event;
        int budget = 64;
        while (budget-- > 0 && (event = queue.poll()) != null) {
            try {
                listener.onPeerEvent(event);
            } catch (RuntimeException e) {
                log.warn("{}: peer listener threw on {}", self, event, e);
            }
        }
        scheduled.set(false);
        if (!queue.isEmpty()) {
            schedule(); // yield the executor's thread to others, then go on
        }
    }
}
