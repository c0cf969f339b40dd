package io.parley.messaging.internal.delivery;

import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.Message;
import io.parley.messaging.clock.WallClock;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The deadlines of an outbound stream's messages that have a time to live, and one timer for the earliest. The
 * timer fires on whatever loop it was set on and hands over to the stream's {@link HomeLoop}, so the stream sees
 * it in order with everything else, wherever it lives by then.
 *
 * <p>Owned by the stream's home loop.
 */
final class ExpiryTimer {

    private record Deadline(long atMicros, long seq) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            return Long.compare(atMicros, o.atMicros);
        }
    }

    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>();
    private final HomeLoop home;
    private final WallClock clock;
    private final Runnable onDue;
    private ScheduledFuture<?> timer;
    private long timerAt = Long.MAX_VALUE;

    /** @param onDue runs on the home loop when the earliest deadline may have passed */
    ExpiryTimer(HomeLoop home, WallClock clock, Runnable onDue) {
        this.home = home;
        this.clock = clock;
        this.onDue = onDue;
    }

    /** Message {@code seq} may be sent no later than {@code atMicros} ({@link Message#NEVER}: no deadline). */
    void add(long atMicros, long seq) {
        if (atMicros != Message.NEVER) {
            deadlines.add(new Deadline(atMicros, seq));
        }
    }

    /** Sets the timer for the earliest deadline, unless one is set for that time or earlier. */
    void arm() {
        Deadline next = deadlines.peek();
        if (next == null || next.atMicros() >= timerAt) {
            return;
        }
        cancel();
        timerAt = next.atMicros();
        long delayMicros = Math.max(1000, next.atMicros() - clock.nowMicros());
        timer = home.loop().schedule(() -> home.execute(this::fired), delayMicros, TimeUnit.MICROSECONDS);
    }

    private void fired() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        onDue.run();
    }

    /** Takes every deadline at or before {@code nowMicros} off the list, oldest first, giving each its sequence. */
    void takeDue(long nowMicros, LongConsumer seq) {
        while (!deadlines.isEmpty() && deadlines.peek().atMicros() <= nowMicros) {
            seq.accept(deadlines.poll().seq());
        }
    }

    /** Stops the timer. */
    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        timerAt = Long.MAX_VALUE;
    }
}
