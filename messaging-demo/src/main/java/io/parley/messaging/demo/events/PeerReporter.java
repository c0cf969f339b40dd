package io.parley.messaging.demo.events;

import io.parley.messaging.NodeBuilder;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerEvent;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerListener;
import io.parley.messaging.PeerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the {@link EventSink} when a peer of one node changes state: the node's {@link PeerListener}, which forwards
 * every {@link PeerEvent} as it comes, in order, so a peer that goes DOWN and comes back UP at once is said twice.
 *
 * <p>A peer is DOWN from the start, and a first dial that fails changes no state, so the library has no event for a
 * peer unreachable at start. For that one case a check reads the node's peers every {@link #UNREACHABLE_CHECK} and
 * reports, once, a DOWN peer that has an error (it could not connect) and of which nothing was said yet, so a peer
 * unreachable at start is said once, with its reason, while the node keeps trying. Once a peer has had an event, only
 * its events are reported.
 *
 * <p>Events and checks run on one thread of this class's own, which is also the node's peer event executor
 * ({@link #executor()}), so the node makes none. Events that come before {@link #start} (a node connecting while it
 * starts) are held until then, so that the node's {@code listening} is said first; after {@link #stop} nothing more
 * is said. {@link #close()} ends the thread, once the node is closed.
 */
public final class PeerReporter implements PeerListener, AutoCloseable {

    /** How often the node's peers are read for a peer unreachable at start. */
    static final Duration UNREACHABLE_CHECK = Duration.ofMillis(200);

    private static final Logger log = LoggerFactory.getLogger(PeerReporter.class);

    private final EventSink sink;
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "parley-peer-reports");
        t.setDaemon(true);
        return t;
    });
    /** Peers that had an event or were reported unreachable: the check leaves them alone. */
    private final Set<NodeId> said = new HashSet<>();
    /** Events before {@link #start}, in order. */
    private final List<PeerInfo> held = new ArrayList<>();
    private NodeId node;
    private boolean stopped;

    public PeerReporter(EventSink sink) {
        this.sink = sink;
    }

    /** Where the node runs this listener: {@link NodeBuilder#peerEventExecutor}. */
    public Executor executor() {
        return thread;
    }

    /**
     * Starts reporting as {@code node}'s, events held so far first, and checks {@code peers} for peers unreachable
     * at start.
     */
    public synchronized void start(NodeId node, Supplier<List<PeerInfo>> peers) {
        this.node = node;
        held.forEach(this::report);
        held.clear();
        thread.scheduleWithFixedDelay(() -> checkSafely(peers), 0, UNREACHABLE_CHECK.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void onPeerEvent(PeerEvent event) {
        said.add(event.peer());
        if (node == null) {
            held.add(event.info());
        } else {
            report(event.info());
        }
    }

    private void checkSafely(Supplier<List<PeerInfo>> peers) {
        try {
            check(peers.get());
        } catch (RuntimeException e) {
            log.debug("peer reports: reading peers failed", e); // a node closing under it; the next round tells
        }
    }

    /** One check of the node's peers {@code now}: reports a peer unreachable at start. */
    synchronized void check(List<PeerInfo> now) {
        for (PeerInfo p : now) {
            if (p.state() == PeerState.DOWN && p.lastError().isPresent() && said.add(p.id())) {
                report(p);
            }
        }
    }

    private void report(PeerInfo info) {
        if (!stopped) {
            sink.peer(node, info);
        }
    }

    /** Says nothing more, from when this returns; the node may still emit events while it closes. */
    public synchronized void stop() {
        stopped = true;
    }

    /** Ends the thread. Call once the node is closed: the node hands its events to it until then. */
    @Override
    public void close() {
        stop();
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
