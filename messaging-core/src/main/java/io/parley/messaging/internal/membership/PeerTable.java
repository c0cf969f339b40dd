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
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.store.Outbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's peers, and the one place that decides which connection to each is kept. Two nodes may dial each
 * other at the same moment; then both keep the connection dialled by the smaller node id and close the other,
 * so they agree without talking about it. A Hello from an id that is already connected with another
 * incarnation is a second live node using that id, and is refused.
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
    private final EventLoopGroup group;
    private final Limits limits;
    private final StoreStage store;
    private final HybridLogicalClock hlc;
    private final WallClock clock;
    private final Executor receipts;
    private final Backoff backoff;
    private final Duration connectTimeout;
    private final Quiescence quiescence;
    private final int maxUnacknowledged;
    private final int bodiesInMemory;
    private final ConcurrentHashMap<NodeId, Peer> peers = new ConcurrentHashMap<>();
    private volatile Transport transport;
    private volatile boolean closing;

    public PeerTable(NodeId self, EventLoopGroup group, Limits limits, StoreStage store, HybridLogicalClock hlc,
                     WallClock clock, Executor receipts, Backoff backoff, Duration connectTimeout, Quiescence quiescence,
                     boolean durableStore) {
        this.self = self;
        this.group = group;
        this.limits = limits;
        this.store = store;
        this.hlc = hlc;
        this.clock = clock;
        this.receipts = receipts;
        this.backoff = backoff;
        this.connectTimeout = connectTimeout;
        this.quiescence = quiescence;
        this.maxUnacknowledged = limits.maxUnacknowledgedPerPeer(durableStore);
        this.bodiesInMemory = durableStore ? BODIES_IN_MEMORY_WINDOWS * limits.sendWindow() : maxUnacknowledged;
    }

    /** Adds a peer known by configuration. */
    public void add(PeerAddress address) {
        peers.computeIfAbsent(address.id(), id -> newPeer(id, address));
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
        Peer p = peers.computeIfAbsent(address.id(), id -> newPeer(id, address));
        synchronized (p) {
            p.address = address;
        }
        connect(p);
    }

    private Peer newPeer(NodeId id, PeerAddress address) {
        ClockOffsetEstimator offsets = new ClockOffsetEstimator();
        PeerLink link = new PeerLink(id, group.next(), limits.sendWindow(), maxUnacknowledged, bodiesInMemory, store, hlc, clock,
                offsets, receipts, quiescence);
        return new Peer(id, address, link, offsets);
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
            peers.computeIfAbsent(o.peer(), id -> newPeer(id, null)).link.restore(o);
        }
    }

    /** Starts dialling every peer with a known address. */
    public void start(Transport t) {
        this.transport = t;
        peers.values().forEach(this::connect);
    }

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

    // ---- dialling

    private void connect(Peer p) {
        ChannelFuture f;
        synchronized (p) {
            p.reconnectScheduled = false;
            if (closing || transport == null || p.address == null || p.pendingDial != null
                    || (p.session != null && p.session.isActive())) {
                return;
            }
            f = transport.dial(p.address, p.link.loop(), connectTimeout);
            p.pendingDial = f.channel();
        }
        PeerAddress target = p.address;
        f.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                dialFailed(p.id, done.channel(), "cannot connect to " + p.id + " at " + target.hostPort() + ": "
                        + (c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName()));
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
    public void dialFailed(NodeId peer, Channel channel, String reason) {
        Peer p = peers.get(peer);
        if (p == null) {
            return;
        }
        synchronized (p) {
            if (p.pendingDial != channel) {
                return; // a dial this node gave up on itself (the other connection won the tie-break)
            }
            p.pendingDial = null;
            p.lastError = reason;
        }
        if (p.attempts == 0) {
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
            return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "node id '" + id
                    + "' is this node's own id; every node needs an id of its own");
        }
        if (closing) {
            return Admission.refuse(Error.Code.CODE_INTERNAL, "node " + self + " is shutting down");
        }
        Peer p = peers.computeIfAbsent(id, k -> newPeer(k, advertised(k, hello.advertisedAddress())));
        Session replaced = null;
        Channel cancelled = null;
        Session session = new Session(id, hello.incarnation(), channel, false, hello.advertisedAddress());
        synchronized (p) {
            Session current = p.session;
            if (current != null && current.isActive()) {
                if (current.peerIncarnation() != hello.incarnation()) {
                    return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "node id '" + id
                            + "' is already in use by a connected node at " + current.channel().remoteAddress()
                            + "; two live nodes cannot share an id");
                }
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
            if (p.address == null) {
                p.address = advertised(id, hello.advertisedAddress());
            }
        }
        if (cancelled != null) {
            cancelled.close();
        }
        if (replaced != null) {
            replaced.channel().writeAndFlush(Frames.error(Error.Code.CODE_DUPLICATE_CONNECTION,
                    "replaced by a newer connection from " + id)).addListener(ChannelFutureListener.CLOSE);
        }
        return Admission.admit(session);
    }

    @Override
    public Admission confirm(PeerHello welcome, Channel channel) {
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
        return Admission.admit(session);
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

    // ---- session lifecycle

    @Override
    public void established(Session session) {
        Peer p = peers.get(session.peer());
        synchronized (p) {
            if (p.session != session) {
                return;
            }
            p.state = PeerState.UP;
            p.lastError = null;
            p.attempts = 0;
        }
        log.info("{}: connected to {} ({} {})", self, session.peer(), session.dialedBySelf() ? "dialled" : "accepted",
                session.channel().remoteAddress());
        p.link.attach(session);
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
                p.state = PeerState.DOWN;
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
                p.state = PeerState.LEFT;
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
