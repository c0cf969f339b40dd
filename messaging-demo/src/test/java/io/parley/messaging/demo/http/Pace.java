package io.parley.messaging.demo.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The tempo of an attack or of a sampling loop: a round every {@code period} on a timer until a condition holds,
 * waited for with a time limit. The rounds run one at a time on the timer's thread; what they write is seen by the
 * caller once {@link #until} returns. What a round throws (an assertion) ends the wait and is thrown again here.
 */
final class Pace {

    private Pace() {
    }

    /**
     * Runs {@code round} every {@code period}, first at once, until {@code done} holds (checked before each round),
     * for at most {@code limit}.
     */
    static void until(Duration period, Duration limit, BooleanSupplier done, Runnable round) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        timer.scheduleAtFixedRate(() -> {
            try {
                if (done.getAsBoolean()) {
                    finished.complete(null);
                } else {
                    round.run();
                }
            } catch (Throwable t) {
                finished.completeExceptionally(t);
            }
        }, 0, period.toNanos(), TimeUnit.NANOSECONDS);
        try {
            finished.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new AssertionError(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("not done within " + limit, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            timer.shutdownNow();
        }
    }

    /** Runs {@code round} {@code rounds} times, every {@code period}. */
    static void times(int rounds, Duration period, Runnable round) {
        int[] done = {0};
        until(period, period.multipliedBy(rounds + 10).plusSeconds(30), () -> done[0] == rounds, () -> {
            round.run();
            done[0]++;
        });
    }
}
