package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoopGroup;
import io.parley.messaging.Direction;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Limits;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.delivery.PeerLink;
import io.parley.messaging.internal.delivery.Quiescence;
import io.parley.messaging.internal.delivery.StoreStage;
import io.parley.messaging.internal.transport.Admission;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.PeerHello;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.internal.transport.SessionEvents;
import io.parley.messaging.internal.transport.Transport;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.store.Outbox;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's peers, and the one place that decides which connection to each is kept and what state each is in.
 *
 * <p><b>One connection per pair.</b> Two nodes may dial each other at the same moment; then both keep the
 * connection dialled by the smaller node id and close the other, so they agree without talking about it. A Hello
 * from an id that is already connected with another incarnation is a second live node using that id, and is
 * refused.
 *
 * <p><b>Membership.</b> Peers are known by configuration, by dialling in, by answering at a seed or DNS address
 * ({@link Probes}), and by gossip: the Hello and Welcome of every handshake, and periodic Gossip frames, name the
 * members the sender is connected to, and this node dials every one it did not know. Where a peer is dialled is
 * replaced only by an address from a source at least as trusted ({@link AddressSource}).
 *
 * <p><b>States.</b> DOWN until a handshake completes, then UP; SUSPECT while the failure detector doubts a
 * silent peer; DOWN when the connection closes (the detector closes it when it judges the peer down), and LEFT
 * when the peer said Goodbye. Every change goes to the {@link PeerEventDispatcher}, emitted while holding the
 * peer, so one peer's changes are reported in order.
 *
 * <p>Every {@link SessionEvents} method runs on an event loop and returns at once.
 */
public final class PeerTable implements SessionEvents {

    private static final Logger log = LoggerFactory.getLogger(PeerTable.class);

    /**
     * With a durable store, each link holds the bodies of up to this many windows of messages (and no more than
     * 8 MiB of payload beyond the first two); the rest stay in the store until due.
     */
    static final int BODIES_IN_MEMORY_WINDOWS = 16;

    private final NodeId self;
    private final long incarnation;
    private final EventLoopGroup group;
    private final Limits limits;
    private final StoreStage store;
    private final HybridLogicalClock hlc;
    private final Executor receipts;
    private final WallClock clock;
    private final Backoff backoff;
    private final Duration connectTimeout;
    private final Quiescence quiescence;
    private final PeerEventDispatcher peerEvents;
    private final SelfAddress selfAddress;
    private final Probes probes;
    private final int maxUnacknowledged;
    private final int bodiesInMemory;
    private final ConcurrentHashMap<NodeId, Peer> peers = new ConcurrentHashMap<>();
    private volatile Transport transport;
    private volatile boolean closing;

    /**
     * @param incarnation this node's incarnation: a Hello that carries it and this node's id came from this node
     * @param advertised where peers dial this node, host:port, once it is bound
     * @param bound the address this node listens on, once it is bound
     */
    public PeerTable(NodeId self, long incarnation, EventLoopGroup group, Limits limits, StoreStage store,
                     HybridLogicalClock hlc, WallClock clock, Executor receipts, Backoff backoff, Duration connectTimeout,
                     Quiescence quiescence, boolean durableStore, PeerEventDispatcher peerEvents,
                     Supplier<String> advertised, Supplier<InetSocketAddress> bound) {
        this.self = self;
        this.incarnation = incarnation;
        this.group = group;
        this.limits = limits;
        this.store = store;
        this.hlc = hlc;
        this.clock = clock;
        this.receipts = receipts;
        this.backoff = backoff;
        this.connectTimeout = connectTimeout;
        this.quiescence = quiescence;
        this.peerEvents = peerEvents;
        this.maxUnacknowledged = limits.maxUnacknowledgedPerPeer(durableStore);
        this.bodiesInMemory = durableStore ? BODIES_IN_MEMORY_WINDOWS * limits.sendWindow() : maxUnacknowledged;
        this.selfAddress = new SelfAddress(advertised, bound);
        this.probes = new Probes(self, this, group, backoff, connectTimeout, selfAddress);
    }

    // ---- what the node is told to know

    /** Adds a peer known by configuration. */
    public void add(PeerAddress address) {
        peers.computeIfAbsent(address.id(), id -> newPeer(id, address, AddressSource.CONFIGURED));
    }

    /**
     * Adds a peer while running, or gives a known one a new address, and dials it unless connected.
     *
     * @throws IllegalArgumentException if the address carries this node's own id
     */
    public void addAndConnect(PeerAddress address) {
        if (address.id().equals(self)) {
            throw new IllegalArgumentException("peer " + address + " has this node's own id '" + self + "'");
        }
        Peer p = peers.computeIfAbsent(address.id(), id -> newPeer(id, address, AddressSource.CONFIGURED));
        synchronized (p) {
            p.offerAddress(address, AddressSource.CONFIGURED);
        }
        connect(p);
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
    public boolean isLocal(java.net.InetAddress ip, int port) {
        return selfAddress.isLocal(ip, port);
    }

    private Peer newPeer(NodeId id, PeerAddress address, AddressSource source) {
        ClockOffsetEstimator offsets = new ClockOffsetEstimator();
        PeerLink link = new PeerLink(id, group.next(), limits.sendWindow(), maxUnacknowledged, bodiesInMemory, store, hlc, clock,
                offsets, receipts, quiescence);
        return new Peer(id, address, source, link, offsets);
    }

    /**
     * Takes up the streams the store holds from before a restart. A peer that is not configured is known by id
     * until it dials in or is added with an address. Called before {@link #start}.
     */
    public void restore(List<Outbox> outboxes) {
        for (Outbox o : outboxes) {
            if (o.peer().equals(self)) {
                continue;
            }
            peers.computeIfAbsent(o.peer(), id -> newPeer(id, null, null)).link.restore(o);
        }
    }

    /** Starts dialling every peer and seed with a known address. */
    public void start(Transport t) {
        this.transport = t;
        peers.values().forEach(this::connect);
        probes.start(t);
    }

    // ---- what the node asks

    /** The link to {@code id}, or null if the peer is unknown. */
    public PeerLink link(NodeId id) {
        Peer p = peers.get(id);
        return p == null ? null : p.link;
    }

    /** Every known peer id, sorted. */
    public List<NodeId> ids() {
        return peers.keySet().stream().sorted().toList();
    }

    /** A snapshot of every peer, sorted by id. */
    public List<PeerInfo> infos() {
        return peers.values().stream().map(Peer::info).sorted(Comparator.comparing(PeerInfo::id)).toList();
    }

    /** All links. */
    public Collection<PeerLink> links() {
        return peers.values().stream().map(p -> p.link).toList();
    }

    /** Whether {@code id} has an established connection now. */
    public boolean isConnected(NodeId id) {
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

    /** The seeds and discovered addresses, for tests. */
    Probes probes() {
        return probes;
    }

    // ---- gossip

    /** The members this node is connected to and knows an address of: what it tells others. */
    @Override
    public List<Member> members() {
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

    @Override
    public void gossip(Session session, Gossip gossip) {
        learn(gossip.getMembersList(), session.peer());
    }

    /**
     * Takes what {@code from} said about other members: dials every member not known yet, and gives an address to
     * known peers that have none. Gossip never moves a peer with an address: see {@link AddressSource}.
     */
    void learn(List<Member> members, NodeId from) {
        for (PeerAddress a : Members.usable(members, self, selfAddress::isSelf)) {
            Peer created = null;
            Peer p = peers.get(a.id());
            if (p == null) {
                Peer fresh = newPeer(a.id(), a, AddressSource.GOSSIP);
                p = peers.putIfAbsent(a.id(), fresh);
                if (p == null) {
                    p = created = fresh;
                }
            }
            boolean dial;
            synchronized (p) {
                dial = p == created || p.offerAddress(a, AddressSource.GOSSIP);
            }
            if (dial && !closing) {
                log.info("{}: learned of {} at {} from {}", self, a.id(), a.hostPort(), from);
                connect(p);
            }
        }
    }

    // ---- dialling

    private void connect(Peer p) {
        ChannelFuture f;
        PeerAddress target;
        synchronized (p) {
            p.reconnectScheduled = false;
            if (closing || transport == null || p.address == null || p.pendingDial != null
                    || (p.session != null && p.session.isActive())) {
                return;
            }
            if (selfAddress.isSelf(p.address.hostPort())) {
                p.lastError = p.address.hostPort() + " is this node's own address";
                p.address = null;
                return;
            }
            target = p.address;
            f = transport.dial(target, p.link.loop(), connectTimeout);
            p.pendingDial = f.channel();
        }
        f.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                dialFailed(p.id, done.channel(), Error.Code.CODE_UNSPECIFIED, "cannot connect to " + p.id + " at "
                        + target.hostPort() + ": " + (c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName()));
            }
        });
    }

    private void scheduleReconnect(Peer p) {
        Duration delay;
        synchronized (p) {
            if (closing || p.address == null || p.reconnectScheduled) {
                return;
            }
            p.reconnectScheduled = true;
            delay = backoff.delay(p.attempts++);
        }
        p.link.loop().schedule(() -> connect(p), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void dialFailed(NodeId peer, Channel channel, Error.Code code, String reason) {
        if (peer == null) {
            probes.failed(channel, code, reason);
            return;
        }
        Peer p = peers.get(peer);
        if (p == null) {
            return;
        }
        int attempts;
        synchronized (p) {
            if (p.pendingDial != channel) {
                return; // a dial this node gave up on itself (the other connection won the tie-break)
            }
            p.pendingDial = null;
            p.lastError = reason;
            attempts = p.attempts;
            if (code == Error.Code.CODE_DIALLED_SELF && p.address != null) {
                // Someone told this node that the peer lives at its own address: stale gossip. Wait for a better one.
                log.info("{}: the address {} was given for {} is this node's own; waiting to learn another", self,
                        p.address.hostPort(), peer);
                selfAddress.learn(p.address.hostPort());
                p.address = null;
                p.source = null;
                return;
            }
        }
        if (attempts == 0) {
            log.info("{}: {}; retrying with backoff", self, reason);
        } else {
            log.debug("{}: {}", self, reason);
        }
        scheduleReconnect(p);
    }

    // ---- handshake decisions

    @Override
    public Admission admit(PeerHello hello, Channel channel) {
        NodeId id = hello.nodeId();
        if (id.equals(self)) {
            if (hello.incarnation() == incarnation) {
                return Admission.refuse(Error.Code.CODE_DIALLED_SELF, "node " + self + " dialled its own address "
                        + channel.localAddress());
            }
            return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "node id '" + id
                    + "' is this node's own id; every node needs an id of its own");
        }
        if (closing) {
            return Admission.refuse(Error.Code.CODE_INTERNAL, "node " + self + " is shutting down");
        }
        PeerAddress advertised = advertised(id, hello.advertisedAddress());
        Peer p = peers.computeIfAbsent(id, k -> newPeer(k, advertised, AddressSource.SELF_REPORTED));
        Session replaced = null;
        Channel cancelled = null;
        Session session = new Session(id, hello.incarnation(), channel, false, hello.advertisedAddress());
        synchronized (p) {
            Session current = p.session;
            if (current != null && current.isActive() && current.peerIncarnation() != hello.incarnation()) {
                return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "node id '" + id
                        + "' is already in use by a connected node at " + current.channel().remoteAddress()
                        + "; two live nodes cannot share an id");
            }
            // The peer's own word on where it lives, taken even if this connection loses the tie-break below:
            // this node may be dialling a stale address of it.
            p.offerAddress(advertised, AddressSource.SELF_REPORTED);
            if (current != null && current.isActive()) {
                boolean keepNew = id.compareTo(self) < 0 || !current.dialedBySelf();
                if (!keepNew) {
                    return Admission.refuse(Error.Code.CODE_DUPLICATE_CONNECTION, "a connection between " + self
                            + " and " + id + " dialled by " + self + " already exists");
                }
                replaced = current;
            }
            if (p.pendingDial != null) {
                if (id.compareTo(self) > 0) {
                    return Admission.refuse(Error.Code.CODE_DUPLICATE_CONNECTION, self + " is dialling " + id
                            + " itself, and the connection dialled by the smaller id is kept");
                }
                cancelled = p.pendingDial;
                p.pendingDial = null;
            }
            p.session = session;
        }
        retire(cancelled, replaced, "replaced by a newer connection from " + id);
        learn(hello.members(), id);
        return Admission.admit(session);
    }

    @Override
    public Admission confirm(PeerHello welcome, Channel channel) {
        Probes.Probe probe = probes.probe(channel);
        if (probe != null) {
            return confirmProbe(probe, welcome, channel);
        }
        Peer p = peers.get(welcome.nodeId());
        if (p == null) {
            return Admission.refuse(Error.Code.CODE_PROTOCOL_VIOLATION, "no dial to " + welcome.nodeId() + " was made");
        }
        Session session = new Session(welcome.nodeId(), welcome.incarnation(), channel, true, welcome.advertisedAddress());
        synchronized (p) {
            if (p.pendingDial != channel) {
                return Admission.refuse(Error.Code.CODE_DUPLICATE_CONNECTION, "another connection between " + self
                        + " and " + welcome.nodeId() + " was kept");
            }
            p.pendingDial = null;
            if (p.session != null && p.session.isActive()) {
                return Admission.refuse(Error.Code.CODE_DUPLICATE_CONNECTION, "another connection between " + self
                        + " and " + welcome.nodeId() + " is already established");
            }
            p.session = session;
        }
        learn(welcome.members(), welcome.nodeId());
        return Admission.admit(session);
    }

    /**
     * A Welcome on a connection dialled to a seed or discovered address: now the node there has a name. It is kept
     * unless a connection to that node exists that the tie-break prefers (the one dialled by the smaller id; a
     * connection this node dialled itself always stays), exactly as the other side decides when it admits it.
     */
    private Admission confirmProbe(Probes.Probe probe, PeerHello welcome, Channel channel) {
        NodeId id = welcome.nodeId();
        probes.answered(channel, id);
        if (id.equals(self)) {
            return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "the node at " + probe.hostPort
                    + " says it is " + self + ", this node's own id");
        }
        PeerAddress at = new PeerAddress(id, probe.host, probe.port);
        Peer p = peers.computeIfAbsent(id, k -> newPeer(k, at, probe.source));
        Session session = new Session(id, welcome.incarnation(), channel, true, welcome.advertisedAddress());
        Session replaced = null;
        Channel cancelled = null;
        synchronized (p) {
            if (p.address == null || p.source.compareTo(probe.source) < 0) {
                p.offerAddress(at, probe.source);
            }
            Session current = p.session;
            if (current != null && current.isActive()) {
                if (current.peerIncarnation() != welcome.incarnation()) {
                    log.warn("{}: the node at {} says it is {}, but another node with that id is connected from {}",
                            self, probe.hostPort, id, current.channel().remoteAddress());
                    return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "node id '" + id
                            + "' is already in use by a connected node; two live nodes cannot share an id");
                }
                if (current.dialedBySelf() || self.compareTo(id) > 0) {
                    return Admission.refuse(Error.Code.CODE_DUPLICATE_CONNECTION, "a connection between " + self
                            + " and " + id + " already exists");
                }
                replaced = current;
            }
            if (p.pendingDial != null) {
                cancelled = p.pendingDial;
                p.pendingDial = null;
            }
            p.session = session;
        }
        retire(cancelled, replaced, "replaced by the connection " + self + " dialled");
        learn(welcome.members(), id);
        return Admission.admit(session);
    }

    /** Closes, outside the peer's lock, the dial a new session made pointless and the session it replaced. */
    private static void retire(Channel cancelledDial, Session replaced, String why) {
        if (cancelledDial != null) {
            cancelledDial.close();
        }
        if (replaced != null) {
            replaced.channel().writeAndFlush(Frames.error(Error.Code.CODE_DUPLICATE_CONNECTION, why))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static PeerAddress advertised(NodeId id, String hostPort) {
        if (hostPort == null || hostPort.isEmpty()) {
            return null;
        }
        try {
            return PeerAddress.parse(id + "=" + hostPort);
        } catch (IllegalArgumentException e) {
            log.debug("ignoring unusable advertised address '{}' of {}: {}", hostPort, id, e.getMessage());
            return null;
        }
    }

    // ---- session lifecycle and state

    /** Moves {@code p} to {@code next} and reports the change. Holding p. */
    private void moveTo(Peer p, PeerState next) {
        PeerState previous = p.state;
        if (previous != next) {
            p.state = next;
            peerEvents.emit(p.info(), previous, next);
        }
    }

    @Override
    public void established(Session session) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session != session) {
                return;
            }
            p.lastError = null;
            p.attempts = 0;
            moveTo(p, PeerState.UP);
            // Numbered under the lock, in the order sessions became current: the link takes a session only if it
            // is newer than the one it has, however their attaches reach its event loop.
            p.link.attach(session, ++p.sessionsEstablished);
        }
        log.info("{}: connected to {} ({} {})", self, session.peer(), session.dialedBySelf() ? "dialled" : "accepted",
                session.channel().remoteAddress());
    }

    @Override
    public void suspected(Session session, String reason) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session != session || p.state != PeerState.UP) {
                return;
            }
            moveTo(p, PeerState.SUSPECT);
        }
        log.info("{}: {} is suspect: {}", self, session.peer(), reason);
    }

    @Override
    public void recovered(Session session) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session != session || p.state != PeerState.SUSPECT) {
                return;
            }
            moveTo(p, PeerState.UP);
        }
        log.info("{}: {} is heard from again", self, session.peer());
    }

    @Override
    public void unreachable(Session session, String reason) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session == session) {
                p.lastError = "judged down: " + reason;
            }
        }
    }

    @Override
    public void closed(Session session) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session != session) {
                return; // a connection that lost the tie-break or was replaced
            }
            p.session = null;
            p.lastSeenMicros = Math.max(p.lastSeenMicros, session.lastSeenMicros());
            if (p.state != PeerState.LEFT) {
                moveTo(p, PeerState.DOWN);
            }
        }
        p.link.detach(session);
        quiescence.changed(); // a close() waiting for this peer's acks waits no longer
        if (!closing) {
            log.info("{}: connection to {} closed", self, session.peer());
        }
        scheduleReconnect(p);
    }

    @Override
    public void goodbye(Session session, String reason) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session == session) {
                moveTo(p, PeerState.LEFT);
            }
        }
    }

    // ---- traffic

    @Override
    public void envelope(Session session, Envelope envelope, long receivedMicros) {
        HybridTimestamp senderHlc = Frames.hlc(envelope.getHlc());
        HybridTimestamp receiverHlc = hlc.receive(senderHlc);
        Message m = new Message(Frames.uuid(envelope.getMessageId()), session.peer(), self, Direction.RECEIVED,
                DeliveryStatus.RECEIVED, session.peerIncarnation(), envelope.getSeq(), envelope.getSenderTimeMicros(),
                receivedMicros, senderHlc, envelope.getPayload().toByteArray());
        store.submitReceive(session, m, envelope.getPreviousSeq(), receiverHlc);
    }

    @Override
    public void resume(Session session, Resume resume) {
        peers.get(session.peer()).link.onResume(session, resume.getReceivedSeq());
        store.submitPeerResumed(session, resume.getSettledSeq());
    }

    @Override
    public void acks(Session session, AckBatch batch, long receivedMicros, long receivedNanos) {
        peers.get(session.peer()).link.onAcks(batch, receivedMicros, receivedNanos);
    }

    @Override
    public void pong(Session session, Pong pong, long receivedMicros) {
        peers.get(session.peer()).offsets.addSample(pong.getPingSentAtMicros(), pong.getReceivedAtMicros(),
                pong.getSentAtMicros(), receivedMicros);
    }

    // ---- shutdown

    /** Stops dialling and refuses new connections. */
    public void beginClose() {
        closing = true;
        probes.close();
    }

    /** Says Goodbye on every open connection and waits, at most {@code timeout}, for the frames to be written. */
    public void sayGoodbye(String reason, Duration timeout) {
        List<ChannelFuture> writes = new ArrayList<>();
        for (Peer p : peers.values()) {
            Session s = p.currentSession();
            if (s != null) {
                writes.add(s.channel().writeAndFlush(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(reason)).build()));
            }
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
