package io.parley.messaging.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Messages sent through the nodes' HTTP APIs, recorded as sent: a stream that goes on at a steady rate while a test
 * cuts, kills or stops nodes, until it is stopped.
 */
final class Traffic implements AutoCloseable {

    /** A message the API accepted: {@code text} from {@code from} to {@code to}, its id, the tick that sent it. */
    record Sent(String from, String to, String text, String id, int tick) {

        String pair() {
            return from + "->" + to;
        }
    }

    /** A sender and a receiver. */
    record Pair(String from, String to) {
    }

    private final Cluster cluster;
    private final List<Pair> pairs;
    private final String prefix;
    private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger ticks = new AtomicInteger();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "traffic");
        t.setDaemon(true);
        return t;
    });

    private Traffic(Cluster cluster, List<Pair> pairs, String prefix) {
        this.cluster = cluster;
        this.pairs = List.copyOf(pairs);
        this.prefix = prefix;
    }

    /**
     * Every {@code periodMillis}, one message for each pair, {@code PREFIX-FROM-TO-N} with N counting from 1 per pair;
     * the POSTs of a tick run one after another, so each pair's messages are sent in N order.
     */
    static Traffic stream(Cluster cluster, List<Pair> pairs, String prefix, long periodMillis) {
        Traffic t = new Traffic(cluster, pairs, prefix);
        t.timer.scheduleAtFixedRate(t::tick, 0, periodMillis, TimeUnit.MILLISECONDS);
        return t;
    }

    /** {@code count} messages for each pair at once, pair after pair in every round; returns them all. */
    static List<Sent> burst(Cluster cluster, List<Pair> pairs, String prefix, int count) {
        Traffic t = new Traffic(cluster, pairs, prefix);
        for (int i = 0; i < count; i++) {
            t.tick();
        }
        t.rethrow();
        return t.sent();
    }

    private void tick() {
        if (failure.get() != null) {
            return;
        }
        int n = ticks.incrementAndGet();
        try {
            for (Pair p : pairs) {
                String text = prefix + "-" + p.from() + "-" + p.to() + "-" + n;
                String id = cluster.api(p.from()).send(p.to(), text);
                sent.add(new Sent(p.from(), p.to(), text, id, n));
            }
        } catch (RuntimeException | AssertionError e) {
            failure.compareAndSet(null, new IllegalStateException("sending " + prefix + " #" + n + " failed: " + e, e));
        }
    }

    /** Ticks begun so far: a tick numbered above this begins after the call. */
    int ticks() {
        return ticks.get();
    }

    /** What was sent so far. */
    List<Sent> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** Stops the stream (a tick under way finishes) and returns everything it sent. */
    List<Sent> stop() {
        timer.shutdown();
        try {
            if (!timer.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the traffic did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        rethrow();
        return sent();
    }

    private void rethrow() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
