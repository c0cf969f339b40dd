package io.parley.messaging.internal.membership;

import io.netty.channel.EventLoopGroup;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.delivery.OutboundStream;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.store.Outbox;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of the node's peers: one {@link Peer} per id, each with its stream in {@link Delivery}, made the
 * first time the node hears of the id (configured, dialled in, found at a seed or DNS address, named in gossip, or
 * left in the store by an earlier run). Where a peer is dialled is replaced only by an address from a source at
 * least as trusted ({@link AddressSource}).
 *
 * <p>Thread-safe: the map is concurrent, and each peer's connection fields are guarded by the peer.
 */
final class PeerTable {

    private final NodeId self;
    private final EventLoopGroup group;
    private final Delivery delivery;
    private final ConcurrentHashMap<NodeId, Peer> peers = new ConcurrentHashMap<>();
    private volatile boolean closing;

    PeerTable(NodeId self, EventLoopGroup group, Delivery delivery) {
        this.self = self;
        this.group = group;
        this.delivery = delivery;
    }

    NodeId self() {
        return self;
    }

    /** The peer {@code id}, or null. */
    Peer get(NodeId id) {
        return peers.get(id);
    }

    /** The peer {@code id}, made with {@code address} (which {@code source} gave; may be null) if it is new. */
    Peer getOrAdd(NodeId id, PeerAddress address, AddressSource source) {
        return peers.computeIfAbsent(id, k -> newPeer(k, address, source));
    }

    /** The peer {@code id}, made as {@code getOrAdd} does; {@code created} tells whether this call made it. */
    Peer addIfAbsent(NodeId id, PeerAddress address, AddressSource source, boolean[] created) {
        Peer p = peers.get(id);
        if (p != null) {
            return p;
        }
        Peer fresh = newPeer(id, address, source);
        p = peers.putIfAbsent(id, fresh);
        created[0] = p == null;
        return p == null ? fresh : p;
    }

    private Peer newPeer(NodeId id, PeerAddress address, AddressSource source) {
        OutboundStream stream = delivery.streamTo(id, group.next());
        return new Peer(id, address, source, stream);
    }

    /**
     * Takes up the streams the store holds from before a restart. A peer that is not configured is known by id
     * until it dials in or is added with an address. Called before the node starts networking.
     */
    void restore(List<Outbox> outboxes) {
        for (Outbox o : outboxes) {
            if (!o.peer().equals(self)) {
                getOrAdd(o.peer(), null, null).stream.restore(o);
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
