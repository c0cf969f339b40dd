package io.parley.messaging.demo;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Injects faults into a {@link FaultCluster} on a timer: every 1 to 3 s one fault, its kind, target and length drawn
 * from a {@link Random} of the run's seed, each healed by a task scheduled for its end. Kinds are dealt from shuffled
 * bags holding each kind once, so each kind comes up about as often as the others. Process faults take one
 * node (at most {@code max(1, (n-1)/2)} nodes are down, paused or restarting at once): one drawn while that many are
 * busy waits at the top of the bag and a link fault goes now. Link faults take a pair of nodes (both proxies between
 * them); one drawn for a pair already faulted resets it instead.
 *
 * <p>The seed fixes the plan (kinds, targets, lengths, gaps); thread timing still decides how it meets the traffic,
 * so a seed replays the faults, not every byte.
 *
 * <p><b>Threads.</b> A scheduler of four threads. Draws happen only in the injection task, which schedules the next
 * one itself, so the Random has one thread at a time; the busy sets are concurrent, the counts atomic.
 */
final class Nemesis {

    /** The faults it injects. */
    enum Kind {
        /** SIGKILL, then a restart on the same store 0.5 to 4 s later. */
        KILL_RESTART,
        /** SIGSTOP for 1 to 8 s, then SIGCONT. */
        PAUSE,
        /** Every connection between two nodes closed with an RST. */
        RESET,
        /** Nothing forwarded between two nodes for 1 to 8 s, nothing closed. */
        STALL,
        /** 20 to 200 ms added to every chunk between two nodes, for 2 to 8 s. */
        DELAY,
        /** Everything between two nodes cut into 1 to 7-byte pieces, for 2 to 8 s. */
        FRAGMENT,
        /** SIGKILL, then a restart with the node's clock moved 2 to 30 s forward or back (within ±60 s). */
        CLOCK_JUMP
    }

    private final FaultCluster cluster;
    private final Random random;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(4, r -> {
        Thread t = new Thread(r, "nemesis");
        t.setDaemon(true);
        return t;
    });
    private final Map<Kind, AtomicInteger> counts = new EnumMap<>(Kind.class);
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Runnable> heals = new ConcurrentHashMap<>();
    private final AtomicInteger healIds = new AtomicInteger();
    private final AtomicLong lastHealNanos = new AtomicLong(System.nanoTime());
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private volatile long startNanos = System.nanoTime();
    private final Deque<Kind> bag = new ArrayDeque<>();
    private volatile ScheduledFuture<?> next;

    Nemesis(FaultCluster cluster, long seed) {
        this.cluster = cluster;
        this.random = new Random(seed);
        for (Kind k : Kind.values()) {
            counts.put(k, new AtomicInteger());
        }
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Starts injecting, the first fault after a gap. */
    void start() {
        startNanos = System.nanoTime();
        next = timer.schedule(this::inject, gap(), TimeUnit.MILLISECONDS);
    }

    /**
     * Injects no more, heals every fault now (restarting killed nodes, waking paused ones, clearing links) and
     * returns when all are healed.
     */
    void stop() {
        next.cancel(false);
        timer.shutdown();
        try {
            timer.awaitTermination(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Integer id : List.copyOf(heals.keySet())) {
            Runnable heal = heals.remove(id);
            if (heal != null) {
                heal.run();
            }
        }
        cluster.healLinks();
    }

    /** When the last fault ended, System.nanoTime(). */
    long lastHealNanos() {
        return lastHealNanos.get();
    }

    Map<Kind, Integer> counts() {
        Map<Kind, Integer> out = new EnumMap<>(Kind.class);
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Each fault injected, with when (seconds into the run), what and where. */
    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private long gap() {
        return 1_000 + random.nextInt(2_000);
    }

    private long between(long min, long max) {
        return min + (long) (random.nextDouble() * (max - min));
    }

    private void inject() {
        if (bag.isEmpty()) {
            List<Kind> kinds = new ArrayList<>(List.of(Kind.values()));
            Collections.shuffle(kinds, random);
            bag.addAll(kinds);
        }
        Kind kind = bag.poll();
        List<ClusterNode> nodes = cluster.nodes();
        int maxBusyNodes = Math.max(1, (nodes.size() - 1) / 2);
        boolean processFault = kind == Kind.KILL_RESTART || kind == Kind.PAUSE || kind == Kind.CLOCK_JUMP;
        ClusterNode node = nodes.get(random.nextInt(nodes.size()));
        long busyNodes = busy.stream().filter(b -> !b.contains(">")).count();
        if (processFault && (busy.contains(node.id()) || busyNodes >= maxBusyNodes)) {
            bag.addFirst(kind); // its turn comes once a node is free; a link fault now
            kind = Kind.values()[2 + random.nextInt(4)];
            processFault = false;
        }
        try {
            if (processFault) {
                injectProcess(kind, node);
            } else {
                ClusterNode other = nodes.get(Math.floorMod(nodes.indexOf(node) + 1 + random.nextInt(nodes.size() - 1), nodes.size()));
                injectLink(kind, node, other);
            }
        } catch (RuntimeException e) {
            log.add(String.format("%7.1f s  %s failed: %s", seconds(), kind, e));
        }
        try {
            next = timer.schedule(this::inject, gap(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped
        }
    }

    private void injectProcess(Kind kind, ClusterNode node) {
        busy.add(node.id());
        switch (kind) {
            case KILL_RESTART -> {
                long down = between(500, 4_000);
                record(kind, node.id() + " down " + down + " ms");
                node.kill();
                later(down, () -> cluster.restart(node, node.clockOffset()), node.id());
            }
            case PAUSE -> {
                long paused = between(1_000, 8_000);
                record(kind, node.id() + " stopped " + paused + " ms");
                node.pause();
                later(paused, node::resume, node.id());
            }
            case CLOCK_JUMP -> {
                long jump = between(2_000, 30_000) * (random.nextBoolean() ? 1 : -1);
                long offset = node.clockOffset().toMillis() + jump;
                if (Math.abs(offset) > 60_000) {
                    offset = node.clockOffset().toMillis() - jump;
                }
                Duration to = Duration.ofMillis(offset);
                record(kind, node.id() + " clock " + (jump > 0 ? "+" : "") + jump + " ms, to " + offset + " ms");
                node.kill();
                later(between(0, 1_000), () -> cluster.restart(node, to), node.id());
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    private void injectLink(Kind kind, ClusterNode a, ClusterNode b) {
        String pair = a.id().compareTo(b.id()) < 0 ? a.id() + ">" + b.id() : b.id() + ">" + a.id();
        List<LinkProxy> proxies = cluster.between(a, b);
        if (kind == Kind.RESET) {
            record(kind, pair);
            proxies.forEach(LinkProxy::resetAll);
            lastHealNanos.accumulateAndGet(System.nanoTime(), Math::max);
            return;
        }
        if (!busy.add(pair)) {
            record(Kind.RESET, pair + " (busy with another link fault)");
            proxies.forEach(LinkProxy::resetAll);
            lastHealNanos.accumulateAndGet(System.nanoTime(), Math::max);
            return;
        }
        switch (kind) {
            case STALL -> {
                long stall = between(1_000, 8_000);
                record(kind, pair + " " + stall + " ms");
                proxies.forEach(p -> p.stall(stall));
                later(stall, () -> proxies.forEach(LinkProxy::heal), pair);
            }
            case DELAY -> {
                int delay = (int) between(20, 200);
                long length = between(2_000, 8_000);
                record(kind, pair + " " + delay + " ms a chunk for " + length + " ms");
                proxies.forEach(p -> p.delay(delay));
                later(length, () -> proxies.forEach(LinkProxy::heal), pair);
            }
            case FRAGMENT -> {
                long length = between(2_000, 8_000);
                record(kind, pair + " for " + length + " ms");
                proxies.forEach(p -> p.fragment(true));
                later(length, () -> proxies.forEach(LinkProxy::heal), pair);
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    /** Runs {@code heal} after {@code millis}, or at {@link #stop()} if that comes first; then frees {@code target}. */
    private void later(long millis, Runnable heal, String target) {
        int id = healIds.incrementAndGet();
        Runnable once = () -> {
            try {
                heal.run();
            } finally {
                lastHealNanos.accumulateAndGet(System.nanoTime(), Math::max);
                busy.remove(target);
            }
        };
        heals.put(id, once);
        try {
            timer.schedule(() -> {
                Runnable h = heals.remove(id);
                if (h != null) {
                    h.run();
                }
            }, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: stop() runs it
        }
    }

    private void record(Kind kind, String what) {
        counts.get(kind).incrementAndGet();
        log.add(String.format("%7.1f s  %-12s %s", seconds(), kind, what));
    }

    private double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
