package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.internal.transport.Admission;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.internal.transport.HandshakeEvents;
import io.parley.messaging.internal.transport.PeerHello;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Member;
import java.util.List;
import io.parley.messaging.internal.transport.PeerText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides which connection to each peer is kept: membership's answer to every handshake.
 *
 * <p><b>One connection per pair.</b> Two nodes may dial each other at the same moment; then both keep the
 * connection dialled by the smaller node id and close the other, so they agree without talking about it. A Hello
 * from an id that is already connected with another incarnation is a second live node using that id, and is
 * refused. The members named in every Hello and Welcome are learnt ({@link Gossiper#learn}).
 *
 * <p><b>Who may become a peer.</b> A node the table does not know is admitted only while it holds fewer than
 * {@link Bounds#maxMembers()} peers, and under {@code CONFIGURED_ONLY} not at all: it is refused with
 * {@code CODE_NOT_ADMITTED}. A node that dials in itself is admitted even if the node forgot it lately: a real
 * connection is better evidence than stale gossip.
 *
 * <p>Called on event loops; each decision holds only the peer's lock, and closes what it replaced after
 * releasing it.
 */
final class Admissions implements HandshakeEvents {

    private static final Logger log = LoggerFactory.getLogger(Admissions.class);

    private final PeerTable table;
    private final long incarnation;
    private final Dialer dialer;
    private final Probes probes;
    private final Gossiper gossip;
    private final PeerStates states;
    private final DialSlots slots;

    /** @param incarnation this node's: a Hello that carries it and this node's id came from this node */
    Admissions(PeerTable table, long incarnation, Dialer dialer, Probes probes, Gossiper gossip, PeerStates states,
               DialSlots slots) {
        this.slots = slots;
        this.table = table;
        this.incarnation = incarnation;
        this.dialer = dialer;
        this.probes = probes;
        this.gossip = gossip;
        this.states = states;
    }

    @Override
    public List<Member> members() {
        return table.members();
    }

    @Override
    public void established(Session session) {
        if (session.dialedBySelf()) {
            slots.ended(session.channel());
        }
        states.established(session);
    }

    @Override
    public void dialFailed(NodeId peer, Channel channel, Error.Code code, String reason) {
        if (peer == null) {
            probes.failed(channel, code, reason);
            return;
        }
        Peer p = table.get(peer);
        if (p != null) {
            dialer.failed(p, channel, code, reason);
        }
    }

    @Override
    public Admission admit(PeerHello hello, Channel channel) {
        NodeId id = hello.nodeId();
        NodeId self = table.self();
        if (id.equals(self)) {
            if (hello.incarnation() == incarnation) {
                return Admission.refuse(Error.Code.CODE_DIALLED_SELF, "node " + self + " dialled its own address "
                        + channel.localAddress());
            }
            return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "node id '" + id
                    + "' is this node's own id; every node needs an id of its own");
        }
        if (table.isClosing()) {
            return Admission.refuse(Error.Code.CODE_INTERNAL, "node " + self + " is shutting down");
        }
        Admission stranger = refusedStranger(id);
        if (stranger != null) {
            return stranger;
        }
        PeerAddress advertised = advertised(id, hello.advertisedAddress());
        Peer p = table.join(id, advertised, AddressSource.SELF_REPORTED, PeerTable.Origin.CONNECTION, new boolean[1]);
        if (p == null) {
            return full(id);
        }
        Session replaced = null;
        Channel cancelled = null;
        Session session = new Session(id, hello.incarnation(), channel, false, hello.advertisedAddress(),
                hello.authenticated());
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
            if (p.isDialling()) {
                if (id.compareTo(self) > 0) {
                    return Admission.refuse(Error.Code.CODE_DUPLICATE_CONNECTION, self + " is dialling " + id
                            + " itself, and the connection dialled by the smaller id is kept");
                }
                cancelled = p.cancelDial();
            }
            p.session = session;
        }
        retire(cancelled, replaced, "replaced by a newer connection from " + id);
        gossip.learn(hello.members(), id, hello.authenticated());
        return Admission.admit(session);
    }

    @Override
    public Admission confirm(PeerHello welcome, Channel channel) {
        Probes.Probe probe = probes.probe(channel);
        if (probe != null) {
            return confirmProbe(probe, welcome, channel);
        }
        NodeId self = table.self();
        Peer p = table.get(welcome.nodeId());
        if (p == null) {
            return Admission.refuse(Error.Code.CODE_PROTOCOL_VIOLATION, "no dial to " + welcome.nodeId() + " was made");
        }
        Session session = new Session(welcome.nodeId(), welcome.incarnation(), channel, true, welcome.advertisedAddress(),
                welcome.authenticated());
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
        gossip.learn(welcome.members(), welcome.nodeId(), welcome.authenticated());
        return Admission.admit(session);
    }

    /**
     * A Welcome on a connection dialled to a seed or discovered address: now the node there has a name. It is kept
     * unless a connection to that node exists that the tie-break prefers (the one dialled by the smaller id; a
     * connection this node dialled itself always stays), exactly as the other side decides when it admits it.
     */
    private Admission confirmProbe(Probes.Probe probe, PeerHello welcome, Channel channel) {
        NodeId id = welcome.nodeId();
        NodeId self = table.self();
        probes.answered(channel, id);
        if (id.equals(self)) {
            return Admission.refuse(Error.Code.CODE_DUPLICATE_NODE_ID, "the node at " + probe.hostPort
                    + " says it is " + self + ", this node's own id");
        }
        Admission stranger = refusedStranger(id);
        if (stranger != null) {
            return stranger;
        }
        PeerAddress at = new PeerAddress(id, probe.host, probe.port);
        Peer p = table.join(id, at, probe.source, PeerTable.Origin.CONNECTION, new boolean[1]);
        if (p == null) {
            return full(id);
        }
        Session session = new Session(id, welcome.incarnation(), channel, true, welcome.advertisedAddress(),
                welcome.authenticated());
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
            cancelled = p.cancelDial();
            p.session = session;
        }
        retire(cancelled, replaced, "replaced by the connection " + self + " dialled");
        gossip.learn(welcome.members(), id, welcome.authenticated());
        return Admission.admit(session);
    }

    /** Under {@code CONFIGURED_ONLY}, the refusal of an id that is not a configured peer; otherwise null. */
    private Admission refusedStranger(NodeId id) {
        if (!table.bounds().configuredOnly() || table.isConfigured(id)) {
            return null;
        }
        return Admission.refuse(Error.Code.CODE_NOT_ADMITTED, "node " + table.self()
                + " admits only its configured peers, and '" + id + "' is not one of them");
    }

    /** The refusal of a new id when the table is full. */
    private Admission full(NodeId id) {
        return Admission.refuse(Error.Code.CODE_NOT_ADMITTED, "node " + table.self() + " knows "
                + table.bounds().maxMembers() + " peers, the most it may; '" + id + "' is not admitted");
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
            log.debug("ignoring unusable advertised address {} of {}: {}", PeerText.quote(hostPort), id,
                    PeerText.clean(e.getMessage()));
            return null;
        }
    }
}
