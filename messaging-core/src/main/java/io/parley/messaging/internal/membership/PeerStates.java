package io.parley.messaging.internal.membership;

import io.parley.messaging.PeerState;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.transport.MembershipEvents;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Gossip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of each peer, moved by what its connections report: DOWN until a handshake completes, then UP;
 * SUSPECT while the failure detector doubts a silent peer; DOWN when the connection closes (the detector closes it
 * when it judges the peer down), and LEFT when the peer said Goodbye. Only the current connection of a peer moves
 * it, and only that one is handed to delivery, numbered in the order connections became current.
 *
 * <p>Every change goes to the {@link PeerEventDispatcher}: queued while the peer's lock is held, so one peer's
 * changes are reported in order, and handed to the listener's executor once it is released.
 */
final class PeerStates implements MembershipEvents {

    private static final Logger log = LoggerFactory.getLogger(PeerStates.class);

    private final PeerTable table;
    private final Delivery delivery;
    private final Dialer dialer;
    private final Gossiper gossip;
    private final PeerEventDispatcher peerEvents;

    PeerStates(PeerTable table, Delivery delivery, Dialer dialer, Gossiper gossip, PeerEventDispatcher peerEvents) {
        this.table = table;
        this.delivery = delivery;
        this.dialer = dialer;
        this.gossip = gossip;
        this.peerEvents = peerEvents;
    }

    /** Moves {@code p} to {@code next} and queues the change. Holding p. */
    private void moveTo(Peer p, PeerState next) {
        PeerState previous = p.state;
        if (previous != next) {
            p.state = next;
            peerEvents.queue(p.info(), previous, next);
        }
    }

    /** The handshake of {@code session} completed: if it is its peer's current connection, the peer is UP. */
    void established(Session session) {
        Peer p = table.get(session.peer());
        if (p == null) {
            return; // forgotten: only a peer without a connection is, so this is no longer its current one
        }
        synchronized (p) {
            if (p.session != session) {
                return;
            }
            p.lastError = null;
            p.attempts = 0;
            moveTo(p, PeerState.UP);
            // Numbered under the lock, in the order sessions became current: the stream takes a session only if it
            // is newer than the one it has, however their attaches reach it.
            delivery.attach(session, ++p.sessionsEstablished);
        }
        peerEvents.dispatch();
        log.info("{}: connected to {} ({} {})", table.self(), session.peer(),
                session.dialedBySelf() ? "dialled" : "accepted", session.channel().remoteAddress());
    }

    @Override
    public void gossip(Session session, Gossip g) {
        gossip.learn(g.getMembersList(), session.peer(), session.authenticated());
    }

    @Override
    public void suspected(Session session, String reason) {
        Peer p = table.get(session.peer());
        if (p == null) {
            return; // forgotten: only a peer without a connection is, so this is no longer its current one
        }
        synchronized (p) {
            if (p.session != session || p.state != PeerState.UP) {
                return;
            }
            moveTo(p, PeerState.SUSPECT);
        }
        peerEvents.dispatch();
        log.info("{}: {} is suspect: {}", table.self(), session.peer(), reason);
    }

    @Override
    public void recovered(Session session) {
        Peer p = table.get(session.peer());
        if (p == null) {
            return; // forgotten: only a peer without a connection is, so this is no longer its current one
        }
        synchronized (p) {
            if (p.session != session || p.state != PeerState.SUSPECT) {
                return;
            }
            moveTo(p, PeerState.UP);
        }
        peerEvents.dispatch();
        log.info("{}: {} is heard from again", table.self(), session.peer());
    }

    @Override
    public void unreachable(Session session, String reason) {
        Peer p = table.get(session.peer());
        if (p == null) {
            return; // forgotten: only a peer without a connection is, so this is no longer its current one
        }
        synchronized (p) {
            if (p.session == session) {
                p.lastError = "judged down: " + reason;
            }
        }
    }

    @Override
    public void closed(Session session) {
        Peer p = table.get(session.peer());
        if (p == null) {
            return; // forgotten: only a peer without a connection is, so this is no longer its current one
        }
        synchronized (p) {
            if (p.session != session) {
                return; // a connection that lost the tie-break or was replaced
            }
            p.session = null;
            p.unreachableSinceNanos = table.bounds().now();
            p.lastSeenMicros = Math.max(p.lastSeenMicros, session.lastSeenMicros());
            if (p.state != PeerState.LEFT) {
                moveTo(p, PeerState.DOWN);
            }
        }
        peerEvents.dispatch();
        delivery.detach(session);
        if (!table.isClosing()) {
            log.info("{}: connection to {} closed", table.self(), session.peer());
        }
        dialer.scheduleReconnect(p);
    }

    @Override
    public void goodbye(Session session, String reason) {
        Peer p = table.get(session.peer());
        if (p == null) {
            return; // forgotten: only a peer without a connection is, so this is no longer its current one
        }
        synchronized (p) {
            if (p.session == session) {
                moveTo(p, PeerState.LEFT);
            }
        }
        peerEvents.dispatch();
    }
}
