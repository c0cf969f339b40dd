package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.delivery.OutboundStream;
import io.parley.messaging.internal.transport.Session;
import java.time.Instant;
import java.util.Optional;

/**
 * What the node knows about one peer: where to dial it and how far that address is trusted, which connection to
 * it is current, its state, and the stream that carries messages to it. Connection fields are guarded by this
 * object's monitor; the sections that hold it are short, never block, never dial and never run user code.
 */
final class Peer {

    final NodeId id;
    final OutboundStream stream;
    final ClockOffsetEstimator offsets;
    // Guarded by this.
    PeerAddress address;
    AddressSource source;
    boolean dialling; // a dial is being made, outside the lock; its channel becomes pendingDial
    Channel pendingDial;
    Session session;
    long sessionsEstablished; // the generation of the last session handed to the stream
    PeerState state = PeerState.DOWN;
    String lastError;
    long lastSeenMicros;
    int attempts;
    boolean reconnectScheduled;
    boolean waitingForSlot; // queued in DialSlots until fewer dials are being made
    boolean configured; // given by the user: never refused, never forgotten
    boolean forgotten; // removed from the table: no longer dialled; a new Peer stands for the id if it comes back
    long unreachableSinceNanos; // when it was made or its last connection closed, by Bounds.nanoTime

    Peer(NodeId id, PeerAddress address, AddressSource source, OutboundStream stream) {
        this(id, address, source, stream, 0);
    }

    Peer(NodeId id, PeerAddress address, AddressSource source, OutboundStream stream, long nowNanos) {
        this.id = id;
        this.unreachableSinceNanos = nowNanos;
        this.address = address;
        this.source = address == null ? null : source;
        this.stream = stream;
        this.offsets = stream == null ? new ClockOffsetEstimator() : stream.offsets(); // none: a test of addresses alone
    }

    /** Whether a dial to this peer is being made or waits for its handshake. Holding this. */
    boolean isDialling() {
        return dialling || pendingDial != null;
    }

    /** Gives up the dial being made, if any; returns its channel to close, if it has one yet. Holding this. */
    Channel cancelDial() {
        Channel c = pendingDial;
        pendingDial = null;
        dialling = false;
        return c;
    }

    synchronized PeerInfo info() {
        long seen = session != null ? Math.max(session.lastSeenMicros(), lastSeenMicros) : lastSeenMicros;
        return new PeerInfo(id, Optional.ofNullable(address).map(PeerAddress::hostPort), state,
                seen == 0 ? Instant.EPOCH : WallClock.toInstant(seen), offsets.roundTrip(), offsets.offset(),
                Optional.ofNullable(lastError));
    }

    synchronized Session currentSession() {
        return session != null && session.isActive() ? session : null;
    }

    /** Takes {@code candidate} as the address if its source may replace the current one's. Holding this. */
    boolean offerAddress(PeerAddress candidate, AddressSource from) {
        if (candidate == null || !from.mayReplace(address == null ? null : source) || candidate.equals(address)) {
            if (candidate != null && candidate.equals(address) && from.compareTo(source) > 0) {
                source = from; // the same address, now known from a better source
            }
            return false;
        }
        address = candidate;
        source = from;
        return true;
    }
}
