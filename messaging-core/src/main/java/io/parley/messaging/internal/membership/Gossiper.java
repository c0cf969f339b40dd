package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.Limit;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.internal.LogLimiter;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gossip, both ways. Telling: every interval, on an event loop, the node sends the members it is connected to to
 * {@link #FANOUT} peers chosen at random. Handshakes already carry the same list both ways, so a new node learns
 * the cluster from its seed at once and everyone it then dials learns of it; the rounds spread what a race between
 * handshakes missed, reaching all n nodes in O(log n) rounds. Learning: every member another node names that this
 * node did not know is added and dialled, within bounds: at most {@link Bounds#maxNewMembersPerFrame()} new members
 * from one frame, none past {@link Bounds#maxMembers()}, none the node forgot lately (tombstoned), none but
 * configured ones under {@code CONFIGURED_ONLY}, and, when the node authenticates its peers, only from a peer whose
 * handshake proved who it is. Without authentication (plain TCP, no client certificates) the node trusts every
 * node of its cluster.
 */
final class Gossiper {

    private static final Logger log = LoggerFactory.getLogger(Gossiper.class);

    /** Peers told per round. */
    static final int FANOUT = 3;

    private final PeerTable table;
    private final Dialer dialer;
    private final SelfAddress selfAddress;
    private final Duration interval;
    private ScheduledFuture<?> rounds;

    Gossiper(PeerTable table, Dialer dialer, SelfAddress selfAddress, Duration interval) {
        this.table = table;
        this.dialer = dialer;
        this.selfAddress = selfAddress;
        this.interval = interval;
    }

    void start(EventLoopGroup group) {
        long nanos = interval.toNanos();
        rounds = group.next().scheduleWithFixedDelay(this::round, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    void stop() {
        if (rounds != null) {
            rounds.cancel(false);
        }
    }

    /** One round: the member list to a few random peers, each without its own entry. */
    void round() {
        List<Session> sessions = new ArrayList<>(table.sessions());
        if (sessions.size() < 2) {
            return; // a lone peer knows no one this node could tell it about
        }
        Collections.shuffle(sessions, ThreadLocalRandom.current());
        List<Member> members = table.members();
        for (Session s : sessions.subList(0, Math.min(FANOUT, sessions.size()))) {
            Gossip.Builder gossip = Gossip.newBuilder();
            for (Member m : members) {
                if (!m.getNodeId().equals(s.peer().value())) {
                    gossip.addMembers(m);
                }
            }
            Channel ch = s.channel();
            if (gossip.getMembersCount() > 0 && ch.isActive() && ch.isWritable()) { // unwritable: it does not read
                ch.writeAndFlush(Frame.newBuilder().setGossip(gossip).build(), ch.voidPromise());
            }
        }
    }

    /**
     * Takes what {@code from} said about other members: dials every member not known yet, and gives an address to
     * known peers that have none. Gossip never moves a peer with an address: see {@link AddressSource}.
     *
     * @param authenticated whether the handshake with {@code from} proved its identity
     */
    void learn(List<Member> members, NodeId from, boolean authenticated) {
        Bounds bounds = table.bounds();
        if (members.isEmpty()) {
            return;
        }
        if (bounds.gossipNeedsAuthentication() && !authenticated) {
            long skipped = bounds.counters().logs().permit("membership.unauthenticatedGossip");
            if (skipped >= 0) {
                log.warn("{}: ignoring the members {} named: its identity was not authenticated{}", table.self(), from,
                        LogLimiter.skipped(skipped));
            }
            return;
        }
        int fresh = 0;
        boolean capped = false;
        for (PeerAddress a : Members.usable(members, table.self(), selfAddress::isSelf)) {
            Peer p = table.get(a.id());
            boolean created = false;
            if (p == null) {
                if (bounds.configuredOnly()) {
                    continue; // only configured peers are admitted, and those are all in the table
                }
                if (fresh == bounds.maxNewMembersPerFrame()) {
                    capped = true;
                    break;
                }
                if (table.size() >= bounds.maxMembers()) {
                    bounds.counters().reached(Limit.MEMBERS); // once per frame, not once per member
                    break;
                }
                boolean[] made = {false};
                p = table.join(a.id(), a, AddressSource.GOSSIP, PeerTable.Origin.HEARSAY, made);
                if (p == null) {
                    continue; // tombstoned, or the table is full
                }
                created = made[0];
                if (created) {
                    fresh++;
                }
            }
            boolean dial;
            synchronized (p) {
                dial = !p.forgotten && (created || p.offerAddress(a, AddressSource.GOSSIP));
            }
            if (dial && !table.isClosing()) {
                log.info("{}: learned of {} at {} from {}", table.self(), a.id(), a.hostPort(), from);
                dialer.connect(p);
            }
        }
        if (capped) {
            bounds.counters().reached(Limit.NEW_MEMBERS_PER_FRAME);
        }
    }
}
