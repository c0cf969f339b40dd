package io.parley.messaging.internal.delivery;

import io.parley.messaging.NodeId;
import io.parley.messaging.internal.transport.Session;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.ToLongBiFunction;

/**
 * The receiving half of delivery (as Pekko's ConsumerController or JGroups' ReceiverEntry), one stream per sender
 * incarnation: the gap check, the watermark, which connection a stream is taken from, and what to ack again when a
 * connection is resumed. Pure logic: it decides, the {@link StoreStage} acts.
 *
 * <p><b>Order.</b> The next message of a stream names the highest one held as its predecessor (the sender withdrew
 * any in between); anything at or below the watermark is a repeat, stored once and acked again; anything else
 * means the sender skipped messages, and its connection is closed rather than anything stored out of order.
 *
 * <p><b>Which connection.</b> A stream is taken only from the connection this node last sent its Resume on: once
 * that Resume has told the sender how far the stream is held, what a replaced connection still brings in is not
 * stored (the sender sends it again on the new one, after that point, and storing this copy could put it after
 * later ones, or store a message the sender has meanwhile withdrawn as expired). Once that connection ends, the
 * stream is taken from none until this node's next Resume.
 *
 * <p><b>Memory.</b> Nothing here outlives what it is about: a session is forgotten when it ends, and a sender's
 * older incarnations when a newer one resumes.
 *
 * <p>Owned by the store thread; every method is called there (or by a test, directly).
 */
final class InboundStreams {

    /** What to do with a received message. */
    enum Verdict {
        /** Store it (the store tells whether it is a repeat). */
        ACCEPT,
        /** It came on a connection the stream is not taken from: drop it and close that connection. */
        REPLACED_CONNECTION,
        /** It does not follow what is held: drop it and close its connection. */
        GAP
    }

    /**
     * The acks to send again on a connection: what is held of its stream in {@code (afterSeq, upToSeq]}.
     *
     * @param ackAgainAfter exclusive lower end, or {@code upToSeq} (nothing) if there is nothing to ack again
     */
    record OwnResume(long heldSeq, long ackAgainAfter) {
    }

    private record Key(NodeId sender, long incarnation) {
        static Key of(Session s) {
            return new Key(s.peer(), s.peerIncarnation());
        }
    }

    private static final long UNKNOWN = -1;
    private static final long OWN_RESUME_FIRST = Long.MIN_VALUE;

    /** One sender incarnation's stream to this node. */
    private static final class Stream {
        long held = UNKNOWN;
        Session resumedOn;
        boolean resumedOnEnded;
    }

    private final ToLongBiFunction<NodeId, Long> storedWatermark;
    private final Map<Key, Stream> streams = new HashMap<>();
    // Per session, between meeting one of its two Resumes and the other: after the peer's, how far its Resume had
    // this store ack again; after this node's own, OWN_RESUME_FIRST.
    private final Map<Session, Long> halfResumed = new IdentityHashMap<>();

    /** @param storedWatermark reads from the store how far it holds a sender incarnation's stream */
    InboundStreams(ToLongBiFunction<NodeId, Long> storedWatermark) {
        this.storedWatermark = storedWatermark;
    }

    /** How far this node holds the stream of {@code sender}'s {@code incarnation}. */
    long held(NodeId sender, long incarnation) {
        return held(stream(new Key(sender, incarnation)), new Key(sender, incarnation));
    }

    private Stream stream(Key key) {
        return streams.computeIfAbsent(key, k -> new Stream());
    }

    private long held(Stream s, Key key) {
        if (s.held == UNKNOWN) {
            s.held = storedWatermark.applyAsLong(key.sender(), key.incarnation());
        }
        return s.held;
    }

    /**
     * Whether message {@code seq}, following {@code previousSeq}, that arrived on {@code session} may be stored; if
     * it extends the stream, the watermark moves to it.
     */
    Verdict receive(Session session, long seq, long previousSeq) {
        Key key = Key.of(session);
        Stream s = stream(key);
        if (s.resumedOn != session && (s.resumedOn != null || s.resumedOnEnded)) {
            return Verdict.REPLACED_CONNECTION;
        }
        long held = held(s, key);
        if (seq <= held) {
            return Verdict.ACCEPT;
        }
        if (previousSeq == held) {
            s.held = seq;
            return Verdict.ACCEPT;
        }
        return Verdict.GAP;
    }

    /**
     * This node's Resume goes out on {@code session}: from here on it is the stream's only way in. Returns how far
     * the stream is held, and what to ack again: if the peer's Resume came first, messages that arrived after it on
     * an older connection (their acks went to it, and may be lost with it) are counted as held by this Resume, so
     * the peer will not send them again.
     */
    OwnResume ownResume(Session session) {
        Key key = Key.of(session);
        Stream s = stream(key);
        long held = held(s, key);
        s.resumedOn = session;
        s.resumedOnEnded = false;
        streams.keySet().removeIf(k -> k.sender().equals(key.sender()) && k.incarnation() != key.incarnation());
        Long ackedAgain = halfResumed.remove(session);
        if (ackedAgain == null) {
            halfResumed.put(session, OWN_RESUME_FIRST);
            return new OwnResume(held, held);
        }
        return new OwnResume(held, Math.min(held, ackedAgain));
    }

    /**
     * The peer's Resume on {@code session}: its stream is settled up to {@code peerSettledSeq}. Returns the end of
     * what to ack again, in {@code (peerSettledSeq, result]}: what was held before this point (what arrives later
     * is acked as it is stored). If this node holds less than the peer settled (its store was replaced), the
     * stream is taken up after the settled point.
     */
    long peerResume(Session session, long peerSettledSeq) {
        Key key = Key.of(session);
        Stream s = stream(key);
        long held = held(s, key);
        if (peerSettledSeq > held) {
            s.held = peerSettledSeq;
        }
        if (halfResumed.remove(session) == null) {
            halfResumed.put(session, Math.max(held, peerSettledSeq));
        }
        return held;
    }

    /** {@code session} closed: forget it; its stream is taken from no connection until the next Resume. */
    void ended(Session session) {
        halfResumed.remove(session);
        Stream s = streams.get(Key.of(session));
        if (s != null && s.resumedOn == session) {
            s.resumedOn = null;
            s.resumedOnEnded = true;
        }
    }

    /** A batch failed: what was counted as held may not be in the store; read the watermarks again. */
    void forgetWatermarks() {
        streams.values().forEach(s -> s.held = UNKNOWN);
    }

    /** Sessions and streams remembered, for tests: both stay bounded by the live ones. */
    int sessionsRemembered() {
        int n = halfResumed.size();
        for (Stream s : streams.values()) {
            if (s.resumedOn != null) {
                n++;
            }
        }
        return n;
    }

    int streamsRemembered() {
        return streams.size();
    }
}
