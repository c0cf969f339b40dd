package io.parley.messaging.internal.membership;

import io.parley.messaging.NodeConfig;
import io.parley.messaging.NodeId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds members through a DNS name with many addresses (a Compose service, a Kubernetes headless service): resolves
 * it at once and then every interval, and hands the {@link PeerTable} the addresses at the members' port, without
 * this node's own. Resolution blocks, so it runs, timer and all, on the node's resolver thread, never on an event
 * loop. A failed resolution keeps the addresses of the last good one (a DNS hiccup is not a cluster change).
 */
public final class DnsDiscovery {

    private static final Logger log = LoggerFactory.getLogger(DnsDiscovery.class);

    /** Resolves a host name to all its addresses; blocking. The platform resolver unless a test injects one. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String name) throws UnknownHostException;

        Resolver PLATFORM = name -> Arrays.asList(InetAddress.getAllByName(name));
    }

    /** Where resolved addresses go: the table's {@link PeerTable#discovered}, or a test's recorder. */
    @FunctionalInterface
    public interface Sink {
        void discovered(String origin, Set<String> hostPorts);
    }

    /** Whether an address at the members' port is this node (off the event loops). */
    @FunctionalInterface
    public interface Local {
        boolean isLocal(InetAddress ip, int port);
    }

    private final NodeId self;
    private final NodeConfig.DnsDiscovery spec;
    private final Resolver resolver;
    private final ScheduledExecutorService blocking;
    private final Local local;
    private final Sink sink;
    private final String origin;
    private volatile Set<String> last = Set.of();
    private volatile boolean failing;
    private ScheduledFuture<?> timer;

    /** @param blocking the thread that resolves, which may block; one thread, so resolutions never overlap */
    public DnsDiscovery(NodeId self, NodeConfig.DnsDiscovery spec, Resolver resolver, ScheduledExecutorService blocking,
                        Local local, Sink sink) {
        this.self = self;
        this.spec = spec;
        this.resolver = resolver;
        this.blocking = blocking;
        this.local = local;
        this.sink = sink;
        this.origin = "DNS name " + spec.name();
    }

    /** Resolves now, then every interval after the last resolution ended. */
    public void start() {
        try {
            timer = blocking.scheduleWithFixedDelay(this::resolveSafely, 0, spec.interval().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the node is closing
        }
    }

    public void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** A periodic task that throws is never run again: whatever goes wrong, the next round still comes. */
    private void resolveSafely() {
        try {
            resolveOnce();
        } catch (RuntimeException e) {
            log.warn("{}: discovery through {} failed this round", self, spec.name(), e);
        }
    }

    /** Resolves the name once and hands on what it lists; blocking. */
    void resolveOnce() {
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(spec.name());
        } catch (UnknownHostException | SecurityException e) {
            if (!failing) {
                failing = true;
                log.info("{}: cannot resolve {} ({}); keeping the {} addresses it had", self, spec.name(), e.toString(),
                        last.size());
            }
            return;
        }
        failing = false;
        Set<String> found = new LinkedHashSet<>();
        for (InetAddress a : addresses) {
            if (!local.isLocal(a, spec.port())) {
                found.add(Members.hostPort(a.getHostAddress(), spec.port()));
            }
        }
        if (!found.equals(last)) {
            log.info("{}: {} lists {}", self, spec.name(), found.isEmpty() ? "no other node" : found);
        }
        last = Set.copyOf(found);
        sink.discovered(origin, found);
    }

    /** What the last good resolution listed. */
    Set<String> last() {
        return last;
    }
}
