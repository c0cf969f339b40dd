package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.parley.messaging.NodeId;
import io.parley.messaging.internal.transport.Transport;
import io.parley.messaging.proto.v1.Error;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import io.parley.messaging.internal.transport.PeerText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Addresses to dial whose node is not known yet: seeds, and what DNS discovery finds. Each is dialled, with
 * backoff while it fails, until a node answers there; its Welcome names it, and from then on the {@link PeerTable}
 * knows it as a peer and redials it by id. An address that leads back to this node, or to a node it is connected
 * to already, is not dialled again. Thread-safe; each probe's fields are guarded by the probe.
 */
final class Probes {

    private static final Logger log = LoggerFactory.getLogger(Probes.class);

    /** One address to dial, and why: the seeds and DNS names that name it. */
    static final class Probe {
        final String hostPort;
        final String host;
        final int port;
        final AddressSource source;
        // Guarded by this.
        final Set<String> origins = new HashSet<>();
        Channel pending;
        int attempts;
        boolean scheduled;
        boolean settled; // a node answered, or the address is this node's own
        boolean removed;
        boolean waitingForSlot; // queued in DialSlots
        NodeId answeredBy;

        Probe(String hostPort, String host, int port, AddressSource source) {
            this.hostPort = hostPort;
            this.host = host;
            this.port = port;
            this.source = source;
        }

        synchronized boolean isSettled() {
            return settled;
        }
    }

    private final NodeId self;
    private final PeerTable table;
    private final EventLoopGroup group;
    private final Backoff backoff;
    private final Duration connectTimeout;
    private final SelfAddress selfAddress;
    private final DialSlots slots;
    private final ConcurrentHashMap<String, Probe> byAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Channel, Probe> byChannel = new ConcurrentHashMap<>();
    private volatile Transport transport;
    private volatile boolean closing;

    Probes(NodeId self, PeerTable table, EventLoopGroup group, Backoff backoff, Duration connectTimeout,
           SelfAddress selfAddress, DialSlots slots) {
        this.slots = slots;
        this.self = self;
        this.table = table;
        this.group = group;
        this.backoff = backoff;
        this.connectTimeout = connectTimeout;
        this.selfAddress = selfAddress;
    }

    /** Starts dialling every address offered so far. */
    void start(Transport t) {
        this.transport = t;
        byAddress.values().forEach(this::dialSoon);
    }

    /** Stops dialling. */
    void close() {
        closing = true;
    }

    /**
     * Adds {@code hostPort}, named by {@code origin} (a seed or a DNS name), and dials it unless it is settled.
     * An address that does not parse is logged and ignored.
     */
    void offer(String hostPort, AddressSource source, String origin) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon > 0 ? hostPort.substring(0, colon).replace("[", "").replace("]", "") : "";
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            port = 0;
        }
        if (host.isEmpty() || port < 1 || port > 65_535) {
            log.warn("{}: ignoring address {} from {}: not host:port", self, PeerText.quote(hostPort), origin);
            return;
        }
        String h = host;
        int p = port;
        Probe probe = byAddress.computeIfAbsent(hostPort, k -> new Probe(k, h, p, source));
        synchronized (probe) {
            probe.origins.add(origin);
        }
        dialSoon(probe);
    }

    /** {@code origin} names {@code current} now: forget the addresses it named before and no longer does. */
    void retain(String origin, Set<String> current) {
        for (Probe probe : byAddress.values()) {
            synchronized (probe) {
                if (probe.origins.contains(origin) && !current.contains(probe.hostPort)) {
                    probe.origins.remove(origin);
                    if (probe.origins.isEmpty()) {
                        probe.removed = true;
                        byAddress.remove(probe.hostPort, probe);
                        log.debug("{}: {} no longer lists {}", self, origin, probe.hostPort);
                    }
                }
            }
        }
    }

    /** The probe a connection was dialled for, or null if it was dialled to a known peer. */
    Probe probe(Channel channel) {
        return byChannel.get(channel);
    }

    /** Every address currently known, for tests and diagnostics. */
    List<Probe> all() {
        return List.copyOf(byAddress.values());
    }

    /**
     * The node forgot peer {@code id}: the addresses where it answered are dialled again, with backoff, so that a
     * seed or a DNS address whose node was away for long is found again when it returns.
     */
    void forgotten(NodeId id) {
        for (Probe probe : byAddress.values()) {
            boolean redial;
            synchronized (probe) {
                redial = probe.settled && id.equals(probe.answeredBy) && !probe.removed;
                if (redial) {
                    probe.settled = false;
                    probe.answeredBy = null;
                    probe.attempts = 1;
                }
            }
            if (redial) {
                scheduleRedial(probe);
            }
        }
    }

    /** The node {@code id} answered on {@code channel}: the probe is settled. */
    void answered(Channel channel, NodeId id) {
        Probe probe = byChannel.remove(channel);
        if (probe == null) {
            return;
        }
        synchronized (probe) {
            probe.pending = null;
            probe.settled = true;
            probe.answeredBy = id;
        }
        log.info("{}: {} is node {}", self, probe.hostPort, id);
    }

    /**
     * The dial of {@code channel} failed or was refused with {@code code}. An address that leads back to this node
     * is settled for good; one whose node refused because a connection between the two exists or is being made
     * is settled too (that node is, or is about to be, a connected peer); anything else is redialled with backoff.
     */
    void failed(Channel channel, Error.Code code, String reason) {
        Probe probe = byChannel.remove(channel);
        if (probe == null) {
            return;
        }
        boolean retry = false;
        int attempts;
        synchronized (probe) {
            probe.pending = null;
            attempts = probe.attempts;
            if (code == Error.Code.CODE_DIALLED_SELF) {
                selfAddress.learn(probe.hostPort);
                probe.settled = true;
            } else if (code == Error.Code.CODE_DUPLICATE_CONNECTION) {
                probe.settled = true;
            } else {
                retry = true;
            }
        }
        if (code == Error.Code.CODE_DIALLED_SELF) {
            log.info("{}: {} is this node's own address; not dialling it again", self, probe.hostPort);
        } else if (retry && attempts == 1) {
            log.info("{}: {}; retrying with backoff", self, reason);
        } else {
            log.debug("{}: {}", self, reason);
        }
        if (retry) {
            scheduleRedial(probe);
        }
    }

    private void dialSoon(Probe probe) {
        EventLoop loop = group.next();
        loop.execute(() -> dial(probe, loop));
    }

    /**
     * Dials on {@code loop}, the channel's own, so that no event of the channel can come before it is registered;
     * waits for a {@link DialSlots} slot first.
     */
    private void dial(Probe probe, EventLoop loop) {
        synchronized (probe) {
            probe.scheduled = false;
            if (closing || transport == null || probe.pending != null || probe.settled || probe.removed
                    || probe.waitingForSlot) {
                return;
            }
            probe.waitingForSlot = true;
        }
        if (slots.acquire(() -> Dialer.runOn(loop, () -> dialHolding(probe, loop), slots))) {
            dialHolding(probe, loop);
        }
    }

    /** Holding a slot: dials, or gives the slot back. */
    private void dialHolding(Probe probe, EventLoop loop) {
        Transport t = transport;
        ChannelFuture f;
        synchronized (probe) {
            probe.waitingForSlot = false;
            if (closing || t == null || probe.pending != null || probe.settled || probe.removed) {
                slots.release();
                return;
            }
            if (selfAddress.isSelf(probe.hostPort)) {
                probe.settled = true;
                slots.release();
                log.debug("{}: {} is this node's own address; not dialling it", self, probe.hostPort);
                return;
            }
            NodeId known = table.connectedAt(probe.hostPort);
            if (known != null) {
                probe.settled = true;
                probe.answeredBy = known;
                slots.release();
                return;
            }
            f = t.dial(probe.host, probe.port, null, loop, connectTimeout);
            slots.hold(f.channel());
            probe.pending = f.channel();
            probe.attempts++;
            byChannel.put(f.channel(), probe);
        }
        f.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                failed(done.channel(), Error.Code.CODE_UNSPECIFIED, "cannot connect to " + probe.hostPort + ": "
                        + (c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName()));
            }
        });
    }

    private void scheduleRedial(Probe probe) {
        Duration delay;
        synchronized (probe) {
            if (closing || probe.scheduled || probe.settled || probe.removed) {
                return;
            }
            probe.scheduled = true;
            delay = backoff.delay(Math.max(0, probe.attempts - 1));
        }
        EventLoop loop = group.next();
        loop.schedule(() -> dial(probe, loop), delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
