package io.parley.messaging.internal.membership;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.transport.HandshakeEvents;
import io.parley.messaging.internal.transport.MembershipEvents;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.internal.transport.Transport;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import io.parley.messaging.store.Outbox;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Membership, the node's wing that knows its peers: the registry ({@link PeerTable}), who is dialled
 * ({@link Dialer}, {@link Probes} for seeds and DNS), which connection is kept ({@link Admissions}), each peer's
 * state ({@link PeerStates}), gossip ({@link Gossiper}) and forgetting peers long unreachable ({@link Forgetter}),
 * all within its {@link Bounds}. It hands {@link Delivery} the current connection of each peer and nothing else.
 *
 * <p>Thread-safe; see each part for which lock or thread guards what.
 */
public final class Membership {

    /**
     * What membership is made from.
     *
     * @param incarnation this node's
     * @param advertised where peers dial this node, host:port, once it is bound
     * @param bound the address this node listens on, once it is bound
     * @param bounds how many peers, dials and new members per frame, when to forget, whom to admit
     */
    public record Settings(NodeId self, long incarnation, EventLoopGroup group, Backoff backoff, Duration connectTimeout,
                           Duration gossipInterval, Supplier<String> advertised, Supplier<InetSocketAddress> bound,
                           Bounds bounds) {
    }

    private final EventLoopGroup group;
    private final PeerTable table;
    private final SelfAddress selfAddress;
    private final Dialer dialer;
    private final Probes probes;
    private final Gossiper gossiper;
    private final PeerStates states;
    private final Admissions admissions;
    private final DialSlots slots;
    private final Forgetter forgetter;

    public Membership(Settings s, Delivery delivery, PeerEventDispatcher peerEvents) {
        this.group = s.group();
        this.table = new PeerTable(s.self(), s.group(), delivery, s.bounds());
        this.selfAddress = new SelfAddress(s.advertised(), s.bound());
        this.slots = new DialSlots(s.bounds().maxConcurrentDials(), s.bounds().counters());
        this.dialer = new Dialer(table, selfAddress, s.backoff(), s.connectTimeout(), slots);
        this.probes = new Probes(s.self(), table, s.group(), s.backoff(), s.connectTimeout(), selfAddress, slots);
        this.gossiper = new Gossiper(table, dialer, selfAddress, s.gossipInterval());
        this.states = new PeerStates(table, delivery, dialer, gossiper, peerEvents);
        this.admissions = new Admissions(table, s.incarnation(), dialer, probes, gossiper, states, slots);
        this.forgetter = new Forgetter(table, probes, peerEvents);
    }

    /** Where handshake handlers report. */
    public HandshakeEvents handshakeEvents() {
        return admissions;
    }

    /** Where liveness and gossip are reported. */
    public MembershipEvents events() {
        return states;
    }

    // ---- what the node is told to know

    /** Adds a peer known by configuration. */
    public void add(PeerAddress address) {
        table.getOrAdd(address.id(), address, AddressSource.CONFIGURED);
    }

    /**
     * Adds a peer while running, or gives a known one a new address, and dials it unless connected.
     *
     * @throws IllegalArgumentException if the address carries this node's own id
     */
    public void addAndConnect(PeerAddress address) {
        if (address.id().equals(table.self())) {
            throw new IllegalArgumentException("peer " + address + " has this node's own id '" + table.self() + "'");
        }
        Peer p = table.getOrAdd(address.id(), address, AddressSource.CONFIGURED);
        synchronized (p) {
            p.offerAddress(address, AddressSource.CONFIGURED);
        }
        dialer.connect(p);
    }

    /** Adds a seed: an address to dial whose node's id is learnt from its Welcome. */
    public void addSeed(String hostPort) {
        probes.offer(hostPort, AddressSource.CONFIGURED, "seed " + hostPort);
    }

    /**
     * {@code origin} (a DNS name) resolves to {@code hostPorts} now: dials those not known yet and forgets those it
     * no longer lists, unless they are named by something else too. Called from the discovery thread.
     */
    public void discovered(String origin, Set<String> hostPorts) {
        probes.retain(origin, hostPorts);
        hostPorts.forEach(h -> probes.offer(h, AddressSource.DISCOVERED, origin));
    }

    /** Whether {@code ip} at {@code port} is this node; may query network interfaces, so call it off event loops. */
    public boolean isLocal(InetAddress ip, int port) {
        return selfAddress.isLocal(ip, port);
    }

    /** Takes up the streams the store holds from before a restart. Called before {@link #start}. */
    public void restore(List<Outbox> outboxes) {
        table.restore(outboxes);
    }

    /** Starts dialling every peer and seed with a known address, and the rounds of gossip. */
    public void start(Transport t) {
        dialer.start(t);
        probes.start(t);
        gossiper.start(group);
        forgetter.start(group);
    }

    // ---- what the node asks

    /** Whether {@code id} is a known peer. */
    public boolean knows(NodeId id) {
        return table.get(id) != null;
    }

    /** Every known peer id, sorted. */
    public List<NodeId> ids() {
        return table.ids();
    }

    /** A snapshot of every peer, sorted by id. */
    public List<PeerInfo> infos() {
        return table.infos();
    }

    /** Whether {@code id} has an established connection now. */
    public boolean isConnected(NodeId id) {
        return table.isConnected(id);
    }

    /** How many peers the node knows, configured ones included. */
    public int size() {
        return table.size();
    }

    /** Dials being made now (connecting or in their handshake), for tests and diagnostics. */
    public int dialsInFlight() {
        return slots.inUse();
    }

    /** The most dials ever made at once, for tests and diagnostics. */
    public int mostDialsInFlight() {
        return slots.mostInUse();
    }

    /** Dials waiting for their turn, for tests and diagnostics. */
    public int dialsWaiting() {
        return slots.waiting();
    }

    /** Forgets the peers unreachable for longer than the forget time now, as the periodic sweep does; for tests. */
    int forgetUnreachable() {
        return forgetter.sweep();
    }

    /** The seeds and discovered addresses, for tests. */
    Probes probes() {
        return probes;
    }

    // ---- shutdown

    /** Stops dialling, gossiping and admitting. */
    public void beginClose() {
        table.beginClose();
        probes.close();
        gossiper.stop();
        forgetter.stop();
    }

    /** Says Goodbye on every open connection and waits, at most {@code timeout}, for the frames to be written. */
    public void sayGoodbye(String reason, Duration timeout) {
        List<ChannelFuture> writes = new ArrayList<>();
        for (Session s : table.sessions()) {
            writes.add(s.channel().writeAndFlush(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(reason)).build()));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ChannelFuture w : writes) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !w.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                break;
            }
        }
    }
}
