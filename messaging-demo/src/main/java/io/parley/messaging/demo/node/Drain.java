package io.parley.messaging.demo.node;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The wait at the end of input: until every message still pending in the nodes' stores (sent in this run or left by
 * an earlier one) has its receipt, or the time is up.
 */
public final class Drain {

    /** How often the stores are asked for what is still pending. */
    private static final Duration POLL = Duration.ofMillis(50);

    /**
     * What the wait ended with.
     *
     * @param pending messages still waiting for their receipt
     * @param waitedMillis how long it waited
     */
    public record Result(long pending, long waitedMillis) {
        public boolean complete() {
            return pending == 0;
        }
    }

    private Drain() {
    }

    public static Result await(List<DemoNode> nodes, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        for (DemoNode node : nodes) {
            List<CompletableFuture<?>> waiting = List.copyOf(node.awaitingReceipt());
            try {
                CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // some failed; each failure was reported as it happened
            } catch (TimeoutException e) {
                break;
            }
        }
        while (nodes.stream().anyMatch(DemoNode::hasPending) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL.toNanos());
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        long pending = nodes.stream().mapToLong(DemoNode::pendingCount).sum();
        return new Result(pending, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
