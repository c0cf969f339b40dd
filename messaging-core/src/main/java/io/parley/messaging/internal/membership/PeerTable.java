package io.parley.messaging.internal.membership;

import io.netty.channel.EventLoopGroup;
import io.parley.messaging.Limit;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.internal.LogLimiter;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.store.Outbox;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of the node's peers: one {@link Peer} per id, each with its stream in {@link Delivery}, made the
 * first time the node hears of the id (configured, dialled in, found at a seed or DNS address, named in gossip, or
 * left in the store by an earlier run). Where a peer is dialled is replaced only by an address from a source at
 * least as trusted ({@link AddressSource}).
 *
 * <p><b>Bounded.</b> The table holds at most {@link Bounds#maxMembers()} peers: configured peers and those the
 * store holds messages of always count and are always added; a peer learnt or dialling in past the bound is not
 * ({@link Limit#MEMBERS}). A peer the node forgot ({@link Forgetter}) leaves the table and its id is tombstoned, so
 * that gossip does not add it back for a while; only a real connection from it, or configuring it, does.
 *
 * <p>Thread-safe: the map is concurrent, the count atomic, and each peer's connection fields are guarded by the
 * peer; a peer leaves the map only holding its lock, marked forgotten, and whoever finds it forgotten looks again.
 */
final class PeerTable {

    /** Why a peer is being added, which decides whether it may be refused. */
    enum Origin {
        /** Configured by the user: always added, pinned (never forgotten), clears a tombstone. */
        CONFIGURED,
        /** Left in the store by an earlier run: always added, so its messages are not lost. */
        RESTORED,
        /** A node that answered a handshake: bounded by maxMembers, clears a tombstone. */
        CONNECTION,
        /** Named by another node: bounded by maxMembers, and not added while tombstoned. */
        HEARSAY
    }

    private static final Logger log = LoggerFactory.getLogger(PeerTable.class);

    private final NodeId self;
    private final EventLoopGroup group;
    private final Delivery delivery;
    private final Bounds bounds;
    private final ConcurrentHashMap<NodeId, Peer> peers = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final Tombstones tombstones;
    private volatile boolean closing;

    PeerTable(NodeId self, EventLoopGroup group, Delivery delivery, Bounds bounds) {
        this.self = self;
        this.group = group;
        this.delivery = delivery;
        this.bounds = bounds;
        this.tombstones = new Tombstones(bounds.maxMembers());
    }

    Bounds bounds() {
        return bounds;
    }

    NodeId self() {
        return self;
    }

    /** The peer {@code id}, or null. */
    Peer get(NodeId id) {
        return peers.get(id);
    }

    /** The configured peer {@code id}, made with {@code address} if it is new; never refused. */
    Peer getOrAdd(NodeId id, PeerAddress address, AddressSource source) {
        return join(id, address, source, Origin.CONFIGURED, new boolean[1]);
    }

    /**
     * The peer {@code id}, made with {@code address} (which {@code source} gave; may be null) if it is new and
     * {@code origin} may add it now; null if it may not (the table is full, or gossip names a tombstoned id).
     * {@code created} tells whether this call made it.
     */
    Peer join(NodeId id, PeerAddress address, AddressSource source, Origin origin, boolean[] created) {
        while (true) {
            Peer p = peers.get(id);
            if (p == null) {
                p = add(id, address, source, origin, created);
                if (p == null) {
                    return null;
                }
            }
            synchronized (p) {
                if (p.forgotten) {
                    continue; // forgotten meanwhile: it is no longer in the map
                }
                if (origin == Origin.CONFIGURED) {
                    p.configured = true;
                }
                return p;
            }
        }
    }

    private Peer add(NodeId id, PeerAddress address, AddressSource source, Origin origin, boolean[] created) {
        long now = bounds.now();
        if (origin == Origin.HEARSAY && tombstones.blocks(id, now)) {
            return null;
        }
        boolean bounded = origin == Origin.HEARSAY || origin == Origin.CONNECTION;
        if (count.incrementAndGet() > bounds.maxMembers() && bounded) {
            count.decrementAndGet();
            bounds.counters().reached(Limit.MEMBERS);
            long skipped = bounds.counters().logs().permit("membership.maxMembers");
            if (skipped >= 0) {
                log.warn("{}: not adding member {}: this node knows {} peers, the most Limits.maxMembers allows{}",
                        self, id, count.get(), LogLimiter.skipped(skipped));
            }
            return null;
        }
        Peer fresh = new Peer(id, address, source, delivery.streamTo(id, group.next()), now);
        Peer raced = peers.putIfAbsent(id, fresh);
        if (raced != null) {
            count.decrementAndGet();
            return raced;
        }
        created[0] = true;
        if (origin != Origin.HEARSAY) {
            tombstones.remove(id);
        }
        return fresh;
    }

    /** Whether {@code id} is a peer the user configured. */
    boolean isConfigured(NodeId id) {
        Peer p = peers.get(id);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            return p.configured;
        }
    }

    /**
     * Takes {@code p} out of the table for good and tombstones its id; its stream leaves {@link Delivery} too if it
     * never carried a message. Holding p; the caller checked that nothing waits for it.
     */
    void forget(Peer p) {
        p.forgotten = true;
        if (peers.remove(p.id, p)) {
            count.decrementAndGet();
        }
        tombstones.add(p.id, bounds.now() + bounds.tombstoneNanos());
        if (p.stream != null) {
            delivery.retire(p.stream);
        }
    }

    /** Whether gossip about {@code id} is ignored now, because the node forgot it lately. */
    boolean isTombstoned(NodeId id) {
        return tombstones.blocks(id, bounds.now());
    }

    /** How many peers the table holds. */
    int size() {
        return count.get();
    }

    /**
     * Takes up the streams the store holds from before a restart. A peer that is not configured is known by id
     * until it dials in or is added with an address. Called before the node starts networking.
     */
    void restore(List<Outbox> outboxes) {
        for (Outbox o : outboxes) {
            if (!o.peer().equals(self)) {
                join(o.peer(), null, null, Origin.RESTORED, new boolean[1]).stream.restore(o);
            }
        }
    }

    /** Every peer, in no order. */
    Iterable<Peer> all() {
        return peers.values();
    }

    /** Every known peer id, sorted. */
    List<NodeId> ids() {
        return peers.keySet().stream().sorted().toList();
    }

    /** A snapshot of every peer, sorted by id. */
    List<PeerInfo> infos() {
        return peers.values().stream().map(Peer::info).sorted(Comparator.comparing(PeerInfo::id)).toList();
    }

    /** Whether {@code id} has an established connection now. */
    boolean isConnected(NodeId id) {
        Peer p = peers.get(id);
        return p != null && p.currentSession() != null;
    }

    /** Every established session, for a round of gossip. */
    List<Session> sessions() {
        List<Session> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            Session s = p.currentSession();
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The id of a connected peer dialled at {@code hostPort}, or null. */
    NodeId connectedAt(String hostPort) {
        for (Peer p : peers.values()) {
            synchronized (p) {
                if (p.address != null && p.address.hostPort().equals(hostPort) && p.session != null && p.session.isActive()) {
                    return p.id;
                }
            }
        }
        return null;
    }

    /** The members this node is connected to and knows an address of: what it tells others. */
    List<Member> members() {
        List<Member> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            synchronized (p) {
                if (p.address != null && p.session != null && p.session.isActive()) {
                    out.add(Members.member(p.id, p.address));
                }
            }
        }
        return out;
    }

    /** The node is closing: no more dialling, no more peers admitted. */
    void beginClose() {
        closing = true;
    }

    boolean isClosing() {
        return closing;
    }
}
