package io.parley.messaging;

import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.clock.WallClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

/**
 * One message as a node stores it and as listeners and history see it. Immutable.
 *
 * <p>The same message is stored on both nodes with the same {@link #id()}, {@link #senderTimeMicros()} and
 * {@link #hlc()}; the sender's copy has direction {@link Direction#SENT}, the receiver's
 * {@link Direction#RECEIVED}.
 */
public final class Message {

    /** Value of {@link #receiverTimeMicros()} while the receiver's clock is not known (a PENDING message). */
    public static final long UNKNOWN_TIME = Long.MIN_VALUE;

    /** Value of {@link #expiresAtMicros()} for a message that never expires. */
    public static final long NEVER = Long.MAX_VALUE;

    private final UUID id;
    private final NodeId sender;
    private final NodeId recipient;
    private final Direction direction;
    private final DeliveryStatus status;
    private final long senderIncarnation;
    private final long sequence;
    private final long senderTimeMicros;
    private final long receiverTimeMicros;
    private final HybridTimestamp hlc;
    private final long expiresAtMicros;
    private final byte[] payload;

    /**
     * Makes a message; the payload array is copied.
     *
     * @param id message id, the same on both nodes
     * @param sender node that sent it
     * @param recipient node it was sent to
     * @param direction which way it went, seen from the storing node
     * @param status where it stands
     * @param senderIncarnation the incarnation of the sender's store
     * @param sequence its position in the stream from the sender's incarnation to the recipient, from 1
     * @param senderTimeMicros the sender's wall clock at send, epoch microseconds
     * @param receiverTimeMicros the receiver's wall clock at receipt, epoch microseconds, or {@link #UNKNOWN_TIME}
     * @param hlc the sender's hybrid logical clock at send
     * @param payload the body
     */
    public Message(UUID id, NodeId sender, NodeId recipient, Direction direction, DeliveryStatus status,
                   long senderIncarnation, long sequence, long senderTimeMicros, long receiverTimeMicros,
                   HybridTimestamp hlc, byte[] payload) {
        this(id, sender, recipient, direction, status, senderIncarnation, sequence, senderTimeMicros,
                receiverTimeMicros, hlc, NEVER, payload.clone(), true);
    }

    /**
     * Makes a message that expires; the payload array is copied.
     *
     * @param expiresAtMicros the sender's wall clock after which the message is no longer sent, epoch
     *     microseconds, or {@link #NEVER}
     * @see #Message(UUID, NodeId, NodeId, Direction, DeliveryStatus, long, long, long, long, HybridTimestamp, byte[])
     */
    public Message(UUID id, NodeId sender, NodeId recipient, Direction direction, DeliveryStatus status,
                   long senderIncarnation, long sequence, long senderTimeMicros, long receiverTimeMicros,
                   HybridTimestamp hlc, long expiresAtMicros, byte[] payload) {
        this(id, sender, recipient, direction, status, senderIncarnation, sequence, senderTimeMicros,
                receiverTimeMicros, hlc, expiresAtMicros, payload.clone(), true);
    }

    private Message(UUID id, NodeId sender, NodeId recipient, Direction direction, DeliveryStatus status,
                    long senderIncarnation, long sequence, long senderTimeMicros, long receiverTimeMicros,
                    HybridTimestamp hlc, long expiresAtMicros, byte[] payload, boolean owned) {
        this.id = Objects.requireNonNull(id, "id");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.recipient = Objects.requireNonNull(recipient, "recipient");
        this.direction = Objects.requireNonNull(direction, "direction");
        this.status = Objects.requireNonNull(status, "status");
        this.senderIncarnation = senderIncarnation;
        this.sequence = sequence;
        this.senderTimeMicros = senderTimeMicros;
        this.receiverTimeMicros = receiverTimeMicros;
        this.hlc = Objects.requireNonNull(hlc, "hlc");
        this.expiresAtMicros = expiresAtMicros;
        this.payload = Objects.requireNonNull(payload, "payload");
    }

    /** This message with another status and receiver time (the payload is shared, not copied). */
    public Message withDelivery(DeliveryStatus newStatus, long newReceiverTimeMicros) {
        return new Message(id, sender, recipient, direction, newStatus, senderIncarnation, sequence,
                senderTimeMicros, newReceiverTimeMicros, hlc, expiresAtMicros, payload, true);
    }

    /** The message id, the same on both nodes. */
    public UUID id() {
        return id;
    }

    /** The node that sent it. */
    public NodeId sender() {
        return sender;
    }

    /** The node it was sent to. */
    public NodeId recipient() {
        return recipient;
    }

    /** The other node: the recipient of a sent message, the sender of a received one. */
    public NodeId peer() {
        return direction == Direction.SENT ? recipient : sender;
    }

    /** Which way it went, seen from the node that stores it. */
    public Direction direction() {
        return direction;
    }

    /** Where it stands. */
    public DeliveryStatus status() {
        return status;
    }

    /** The incarnation of the sender's store when it was sent. */
    public long senderIncarnation() {
        return senderIncarnation;
    }

    /** Its position in the stream from the sender's incarnation to the recipient, from 1. */
    public long sequence() {
        return sequence;
    }

    /** The sender's wall clock at send, epoch microseconds, exactly as the sender read it. */
    public long senderTimeMicros() {
        return senderTimeMicros;
    }

    /** {@link #senderTimeMicros()} as an instant. */
    public Instant senderTime() {
        return WallClock.toInstant(senderTimeMicros);
    }

    /**
     * The receiver's wall clock when the message arrived, epoch microseconds, exactly as the receiver read it;
     * {@link #UNKNOWN_TIME} on the sender until the ack arrives.
     */
    public long receiverTimeMicros() {
        return receiverTimeMicros;
    }

    /** The sender's hybrid logical clock at send. */
    public HybridTimestamp hlc() {
        return hlc;
    }

    /**
     * The sender's wall clock after which a message not yet sent is no longer sent, epoch microseconds, or
     * {@link #NEVER}. Kept on the sender only; a received message reads {@link #NEVER}.
     */
    public long expiresAtMicros() {
        return expiresAtMicros;
    }

    /** A copy of the body. */
    public byte[] payload() {
        return payload.clone();
    }

    /** The body's length in bytes. */
    public int payloadSize() {
        return payload.length;
    }

    /** The body decoded as UTF-8. */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m
                && id.equals(m.id) && sender.equals(m.sender) && recipient.equals(m.recipient)
                && direction == m.direction && status == m.status
                && senderIncarnation == m.senderIncarnation && sequence == m.sequence
                && senderTimeMicros == m.senderTimeMicros && receiverTimeMicros == m.receiverTimeMicros
                && expiresAtMicros == m.expiresAtMicros
                && hlc.equals(m.hlc) && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + direction.hashCode();
    }

    @Override
    public String toString() {
        return "Message[" + id + " " + sender + "->" + recipient + " " + direction + " " + status + " seq=" + sequence
                + " sent=" + senderTimeMicros + " received=" + (receiverTimeMicros == UNKNOWN_TIME ? "?" : receiverTimeMicros)
                + " " + payload.length + "B]";
    }
}
