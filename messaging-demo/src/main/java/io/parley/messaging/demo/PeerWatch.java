package io.parley.messaging.demo;

import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the {@link EventSink} when a peer of a node changes state: it reads every node's {@link DemoNode#peers()}
 * every {@link #INTERVAL} on a thread of its own and reports what changed. A peer first seen DOWN is reported once
 * the node has an error for it (it could not connect), so a peer unreachable at start is said once, with its
 * reason, while the node keeps trying.
 *
 * <p>A seam: the library this demo is built against has no peer listener yet. When {@code NodeBuilder.onPeerEvent}
 * lands, a listener that forwards each {@code PeerEvent} to the sink replaces this class.
 */
final class PeerWatch implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofMillis(200);

    private static final Logger log = LoggerFactory.getLogger(PeerWatch.class);

    /** What was last reported of a peer. */
    private record Seen(PeerState state, boolean error) {
    }

    /** A node whose peers are watched: its id, and how to read its peers now. */
    record Watched(NodeId id, Supplier<List<PeerInfo>> peers) {
    }

    private final List<Watched> nodes;
    private final EventSink sink;
    private final Map<NodeId, Map<NodeId, Seen>> seen = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "parley-peer-watch");
        t.setDaemon(true);
        return t;
    });

    /** Watches the peers of {@code nodes}. */
    static PeerWatch of(List<DemoNode> nodes, EventSink sink) {
        return new PeerWatch(nodes.stream().map(n -> new Watched(n.id(), n::peers)).toList(), sink);
    }

    PeerWatch(List<Watched> nodes, EventSink sink) {
        this.nodes = List.copyOf(nodes);
        this.sink = sink;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::pollSafely, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            log.debug("peer watch: reading peers failed", e); // a node closing under it; the next round tells
        }
    }

    /** One round: reports every change since the last. Called on the watch thread only (or by a test). */
    void poll() {
        for (Watched node : nodes) {
            Map<NodeId, Seen> known = seen.computeIfAbsent(node.id(), k -> new HashMap<>());
            for (PeerInfo p : node.peers().get()) {
                Seen now = new Seen(p.state(), p.lastError().isPresent());
                Seen before = known.put(p.id(), now);
                if (changed(before, now)) {
                    sink.peer(node.id(), p);
                }
            }
        }
    }

    private static boolean changed(Seen before, Seen now) {
        if (before == null) {
            return now.state() != PeerState.DOWN || now.error();
        }
        if (before.state() != now.state()) {
            return true;
        }
        return now.state() != PeerState.UP && now.error() && !before.error();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
