package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.internal.transport.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Rounds of gossip: every interval, on an event loop, the node sends the members it is connected to to
 * {@link #FANOUT} peers chosen at random. Handshakes already carry the same list both ways, so a new node learns
 * the cluster from its seed at once and everyone it then dials learns of it; the rounds spread what a race between
 * handshakes missed, reaching all n nodes in O(log n) rounds.
 */
public final class Gossiper {

    /** Peers told per round. */
    static final int FANOUT = 3;

    private final PeerTable table;
    private final EventLoopGroup group;
    private final Duration interval;
    private ScheduledFuture<?> rounds;

    public Gossiper(PeerTable table, EventLoopGroup group, Duration interval) {
        this.table = table;
        this.group = group;
        this.interval = interval;
    }

    public void start() {
        long nanos = interval.toNanos();
        rounds = group.next().scheduleWithFixedDelay(this::round, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    public void stop() {
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
            if (gossip.getMembersCount() > 0 && ch.isActive()) {
                ch.writeAndFlush(Frame.newBuilder().setGossip(gossip).build(), ch.voidPromise());
            }
        }
    }
}
