package io.parley.messaging.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What some nodes said of one peer over time: {@code GET /peers} of each observer every 100 ms, each change of the
 * peer's state recorded in order ({@code UP, SUSPECT, DOWN, UP}). An observer that does not answer (it is down
 * itself) is skipped that round.
 */
final class PeerStates implements AutoCloseable {

    private final Cluster cluster;
    private final String peer;
    private final List<String> observers;
    private final Map<String, List<String>> seen = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "peer-states");
        t.setDaemon(true);
        return t;
    });

    private PeerStates(Cluster cluster, String peer, List<String> observers) {
        this.cluster = cluster;
        this.peer = peer;
        this.observers = List.copyOf(observers);
    }

    /** Starts watching how {@code observers} see {@code peer}. */
    static PeerStates watch(Cluster cluster, String peer, List<String> observers) {
        PeerStates s = new PeerStates(cluster, peer, observers);
        s.timer.scheduleWithFixedDelay(s::poll, 0, 100, TimeUnit.MILLISECONDS);
        return s;
    }

    private void poll() {
        for (String o : observers) {
            String state;
            try {
                state = cluster.api(o).peers().stream().filter(p -> p.id().equals(peer)).map(NodeApi.Peer::state)
                        .findFirst().orElse("UNKNOWN");
            } catch (RuntimeException | AssertionError e) {
                continue;
            }
            synchronized (seen) {
                List<String> states = seen.computeIfAbsent(o, k -> new ArrayList<>());
                if (states.isEmpty() || !states.get(states.size() - 1).equals(state)) {
                    states.add(state);
                }
            }
        }
    }

    /** The states {@code observer} reported for the peer so far, each change once, in order. */
    List<String> seenBy(String observer) {
        synchronized (seen) {
            return List.copyOf(seen.getOrDefault(observer, List.of()));
        }
    }

    /** Every observer's record so far. */
    Map<String, List<String>> all() {
        synchronized (seen) {
            Map<String, List<String>> copy = new HashMap<>();
            seen.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return copy;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
