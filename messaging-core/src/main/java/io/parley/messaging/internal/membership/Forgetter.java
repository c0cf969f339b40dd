package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.PeerState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets peers that were learnt, not configured, and stayed unreachable for {@link Bounds#forgetAfter()}: no
 * connection (DOWN or LEFT, or never UP) since they were added or their last connection closed. A forgotten peer
 * leaves the {@link PeerTable} (and {@code Node.peers()}), is no longer dialled, is reported
 * {@link PeerState#FORGOTTEN}, and its id is tombstoned against stale gossip for twice that time. Seeds and DNS
 * addresses that led to it are dialled again, so a seed that comes back is found again.
 *
 * <p><b>Messages are never lost to forgetting.</b> A peer with messages still waiting for it (its stream's
 * {@code outstanding()}, including those the store kept from an earlier run) is not forgotten: it stays, counted
 * and dialled, until they are delivered or expire, and is forgotten after that.
 *
 * <p>Sweeps run on one event loop, every tenth of the forget time (at least 10 ms, at most 5 s); each peer is
 * decided holding its lock.
 */
final class Forgetter {

    private static final Logger log = LoggerFactory.getLogger(Forgetter.class);

    private final PeerTable table;
    private final Probes probes;
    private final PeerEventDispatcher peerEvents;
    private ScheduledFuture<?> sweeps;

    Forgetter(PeerTable table, Probes probes, PeerEventDispatcher peerEvents) {
        this.table = table;
        this.probes = probes;
        this.peerEvents = peerEvents;
    }

    void start(EventLoopGroup group) {
        long every = Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                Math.min(TimeUnit.SECONDS.toNanos(5), table.bounds().forgetAfter().toNanos() / 10));
        sweeps = group.next().scheduleWithFixedDelay(this::sweepSafely, every, every, TimeUnit.NANOSECONDS);
    }

    void stop() {
        if (sweeps != null) {
            sweeps.cancel(false);
        }
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("{}: a sweep for unreachable peers failed", table.self(), e);
        }
    }

    /** Forgets every peer unreachable for longer than the forget time now; returns how many. */
    int sweep() {
        if (table.isClosing()) {
            return 0;
        }
        long now = table.bounds().now();
        long after = table.bounds().forgetAfter().toNanos();
        List<Peer> forgotten = new ArrayList<>();
        List<Channel> cancelled = new ArrayList<>();
        for (Peer p : table.all()) {
            synchronized (p) {
                if (p.configured || p.forgotten || p.session != null || p.dialling
                        || now - p.unreachableSinceNanos < after
                        || (p.stream != null && p.stream.outstanding() > 0)) {
                    continue;
                }
                Channel dial = p.cancelDial();
                if (dial != null) {
                    cancelled.add(dial);
                }
                PeerState previous = p.state;
                p.state = PeerState.FORGOTTEN;
                peerEvents.queue(p.info(), previous, PeerState.FORGOTTEN);
                table.forget(p);
                forgotten.add(p);
            }
        }
        cancelled.forEach(Channel::close);
        if (!forgotten.isEmpty()) {
            peerEvents.dispatch();
            for (Peer p : forgotten) {
                probes.forgotten(p.id);
            }
            log.info("{}: forgot {} peer(s) unreachable for {} s or more: {}", table.self(), forgotten.size(),
                    table.bounds().forgetAfter().toSeconds(), forgotten.size() <= 10 ? forgotten.stream()
                            .map(p -> p.id.value()).toList() : forgotten.size() + " ids");
        }
        return forgotten.size();
    }
}
