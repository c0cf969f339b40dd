package io.parley.messaging.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady sends between every ordered pair of a {@link FaultCluster}'s nodes through their HTTP APIs
 * ({@code POST /messages?wait=stored}), one request at a time per pair, one every period. The text of the k-th
 * attempt from a to b is {@code a>b#k}. Each 202 is remembered as accepted (the sender's store has it); any other
 * answer, a timeout or a node that is down counts as refused, and such a message may or may not exist.
 *
 * <p><b>Threads.</b> One scheduler thread per pair; the counters and the accepted queue are concurrent.
 */
final class Traffic implements AutoCloseable {

    /** A message the sender answered 202 for. */
    record Accepted(String from, String to, String id, long k) {
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private final ConcurrentLinkedQueue<Accepted> accepted = new ConcurrentLinkedQueue<>();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final ScheduledExecutorService senders;

    /** Starts sending, each pair every {@code period}. */
    Traffic(FaultCluster cluster, Duration period) {
        List<ClusterNode> nodes = cluster.nodes();
        senders = Executors.newScheduledThreadPool(nodes.size() * (nodes.size() - 1), r -> {
            Thread t = new Thread(r, "traffic");
            t.setDaemon(true);
            return t;
        });
        for (ClusterNode from : nodes) {
            for (ClusterNode to : nodes) {
                if (from != to) {
                    AtomicLong k = new AtomicLong();
                    senders.scheduleWithFixedDelay(() -> {
                        long n = k.incrementAndGet();
                        attempts.incrementAndGet();
                        Optional<String> id = cluster.post(from, to.id(), from.id() + ">" + to.id() + "#" + n, REQUEST_TIMEOUT);
                        if (id.isPresent()) {
                            accepted.add(new Accepted(from.id(), to.id(), id.get(), n));
                        } else {
                            refused.incrementAndGet();
                        }
                    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** Stops sending and waits for the requests in flight to end. */
    @Override
    public void close() {
        senders.shutdown();
        try {
            if (!senders.awaitTermination(30, TimeUnit.SECONDS)) {
                senders.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Accepted> accepted() {
        return new ArrayList<>(accepted);
    }

    long attempts() {
        return attempts.get();
    }

    long refused() {
        return refused.get();
    }
}
