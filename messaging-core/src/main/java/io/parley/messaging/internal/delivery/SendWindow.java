package io.parley.messaging.internal.delivery;

import io.parley.messaging.Limit;
import io.parley.messaging.Message;
import io.parley.messaging.internal.LimitCounters;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outbound stream's unsettled messages, one {@link Slot} per sequence number in a {@link SlotRing}, and how far
 * the current connection has sent them: slots below {@code sendNext} went out on it (or the peer holds them) and
 * wait for their acks; at most a window of them are in flight, and no new one goes while the payloads sent on this
 * connection and not yet acknowledged come to {@code maxInFlightBytes} (one always goes when none is in flight).
 * Which slots hold their bodies is the {@link BodyPager}'s call.
 *
 * <p>Owned by the stream's home loop.
 */
final class SendWindow {

    private static final Logger log = LoggerFactory.getLogger(SendWindow.class);

    /** What closing left: the futures callers wait on, and how many slots were live in all. */
    record Closed(List<ReceiptFuture> futures, int live) {
    }

    private final String name;
    private final int window;
    private final long maxInFlightBytes;
    private final BodyPager bodies;
    private final LimitCounters limits;
    private SlotRing<Slot> ring = new SlotRing<>(0);
    private long maxTransmitted;
    private long sendNext = 1;
    private long previousSent;
    private int inflight;
    // Payload bytes sent on this connection and not yet settled: counted for messages marked with this connection's
    // turn, which a stop or a Resume moves on.
    private long inFlightBytes;
    private int turn = 1;
    private boolean heldByBytes;

    /**
     * @param name whose window, for log lines ("n1: stream to n2")
     * @param maxInFlightBytes most payload bytes sent on a connection and not yet acknowledged
     * @param limits where the byte bound is counted when it holds a message back
     */
    SendWindow(String name, int window, long maxInFlightBytes, BodyPager bodies, LimitCounters limits) {
        this.name = name;
        this.window = window;
        this.maxInFlightBytes = maxInFlightBytes;
        this.bodies = bodies;
        this.limits = limits;
    }

    /** Payload bytes sent on the current connection and not yet acknowledged. */
    long inFlightBytes() {
        return inFlightBytes;
    }

    long floor() {
        return ring.floor();
    }

    long top() {
        return ring.top();
    }

    Slot get(long seq) {
        return ring.get(seq);
    }

    /** Every slot up to this one holds its body or is settled. */
    long loadedTo() {
        return bodies.loadedTo();
    }

    /**
     * Takes up a stream after a restart: every sequence in {@code (floor, last]} may be pending, with its body in the
     * store, and any of them may have reached the peer. Returns how many slots that makes.
     */
    int restore(long floor, long last) {
        SlotRing<Slot> restored = new SlotRing<>(floor);
        for (long s = floor + 1; s <= last; s++) {
            restored.append(Slot.Reloaded.INSTANCE); // settled ones among them are cleared as their window is loaded
        }
        ring = restored;
        bodies.restart(floor);
        sendNext = floor + 1;
        maxTransmitted = last;
        return restored.live();
    }

    /** A stored message, next in sequence; a sequence skipped before it (its store batch failed) is settled. */
    void append(OutboundMessage m) {
        while (ring.top() < m.seq() - 1) {
            ring.append(Slot.Reloaded.INSTANCE);
            settle(ring.top());
        }
        ring.append(bodies.keep(m.seq(), ring.floor(), m.message().payloadSize()) ? m : m.future());
    }

    /**
     * The bodies read back from the store after {@code afterSeq}, as many as asked for ({@code limit}) or fewer:
     * then every pending message up to the top as of the read is among them. A slot whose message is not pending
     * any more had its outcome stored before a restart: it is settled.
     *
     * @return how many slots were settled so
     */
    int loaded(long afterSeq, int limit, List<Message> pending, boolean complete, OutboundStream stream) {
        long upTo = complete && pending.size() < limit ? ring.top()
                : pending.isEmpty() ? Math.max(afterSeq, bodies.loadedTo()) : pending.get(pending.size() - 1).sequence();
        int settled = 0;
        int i = 0;
        // The floor may have passed afterSeq meanwhile (acks settled the first slots): start above both.
        for (long seq = Math.max(afterSeq, bodies.loadedTo()) + 1; seq <= upTo; seq++) {
            while (i < pending.size() && pending.get(i).sequence() < seq) {
                i++;
            }
            Message m = i < pending.size() && pending.get(i).sequence() == seq ? pending.get(i) : null;
            Slot slot = ring.get(seq);
            if (slot == null) {
                continue; // settled while the store was read
            }
            if (m != null) {
                if (!bodies.admitLoaded(m.payloadSize())) {
                    upTo = seq - 1; // the node holds all the bodies it may: the rest are read again later
                    break;
                }
                ring.replace(seq, new OutboundMessage(m, slot.future(), stream));
            } else {
                settle(seq);
                settled++;
                if (slot.future() != null) {
                    log.error("{}: message {} is no longer pending in the store", name, seq);
                }
            }
        }
        bodies.loadedUpTo(upTo);
        return settled;
    }

    /** Whether to ask the store for the next bodies now (see {@link BodyPager#shouldLoad}). */
    boolean shouldLoad() {
        return bodies.shouldLoad(sendNext - 1, ring.floor(), ring.top());
    }

    /** A read of bodies came back with nothing to apply. */
    void loadAbandoned() {
        bodies.loadAbandoned();
    }

    /** Empties a slot, keeping the window's count and the pointers above the floor. Returns what it held. */
    Slot settle(long seq) {
        Slot old = ring.clear(seq);
        if (old instanceof OutboundMessage m) {
            bodies.dropped(m.message().payloadSize());
            if (m.sentInTurn == turn) {
                inFlightBytes -= m.message().payloadSize();
            }
        }
        if (old != null && seq < sendNext) {
            inflight--;
        }
        bodies.settledTo(ring.floor());
        sendNext = Math.max(sendNext, ring.floor() + 1);
        return old;
    }

    /** No connection to send on: everything unsettled goes out again on the next one. */
    void stop() {
        sendNext = ring.floor() + 1;
        inflight = 0;
        newTurn();
    }

    private void newTurn() {
        turn++;
        inFlightBytes = 0;
        heldByBytes = false;
    }

    /** The peer holds the stream up to {@code base}: send what follows it, and wait for acks of what it holds. */
    void resumeAt(long base) {
        sendNext = Math.max(base, ring.floor()) + 1;
        previousSent = base;
        inflight = 0;
        newTurn(); // what the peer holds is not in flight: only its acks are
        for (long seq = ring.floor() + 1; seq < sendNext; seq++) {
            if (ring.get(seq) != null) {
                inflight++;
            }
        }
    }

    /**
     * The next message to send, or null when the window is full, the bytes in flight reach their bound or its body
     * is not loaded yet.
     */
    OutboundMessage nextToSend() {
        while (inflight < window && sendNext <= bodies.loadedTo()) {
            if (ring.get(sendNext) instanceof OutboundMessage m) {
                if (inFlightBytes > 0 && inFlightBytes + m.message().payloadSize() > maxInFlightBytes) {
                    if (!heldByBytes) {
                        heldByBytes = true;
                        limits.reached(Limit.IN_FLIGHT_BYTES_PER_PEER);
                    }
                    return null;
                }
                heldByBytes = false;
                return m;
            }
            sendNext++; // settled
        }
        return null;
    }

    /** {@code seq}, next to send, was withdrawn instead. */
    void passOver(long seq) {
        sendNext = Math.max(sendNext, seq + 1);
    }

    /** {@code m}, next to send, goes out: returns the sequence its Envelope follows. */
    long markSent(OutboundMessage m) {
        long previous = previousSent;
        sendNext++;
        previousSent = m.seq();
        maxTransmitted = Math.max(maxTransmitted, m.seq());
        inflight++;
        inFlightBytes += m.message().payloadSize();
        m.sentInTurn = turn;
        return previous;
    }

    /** Whether {@code seq} may have reached the peer, on any connection, in this run or before a restart. */
    boolean mayHaveBeenSent(long seq) {
        return seq <= maxTransmitted;
    }

    /** Whether {@code seq} certainly has not reached the peer: never sent, or not yet on a resumed connection. */
    boolean certainlyUnsent(long seq, boolean peerResumed) {
        return seq > maxTransmitted || (peerResumed && seq >= sendNext);
    }

    /** Drops every slot: the stream closed. */
    Closed close() {
        List<ReceiptFuture> futures = new ArrayList<>();
        int live = 0;
        for (long seq = ring.floor() + 1; seq <= ring.top(); seq++) {
            Slot slot = ring.get(seq);
            if (slot != null) {
                live++;
                if (slot.future() != null) {
                    futures.add(slot.future());
                }
            }
        }
        ring = new SlotRing<>(ring.top());
        bodies.clear();
        return new Closed(futures, live);
    }
}
