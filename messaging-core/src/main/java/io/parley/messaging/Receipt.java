package io.parley.messaging;

import io.parley.messaging.clock.WallClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Proof that a peer stored a message: what {@link Node#send} futures complete with.
 *
 * @param messageId the message's id
 * @param peer the node that received it
 * @param senderTimeMicros this node's wall clock when the message was sent, epoch microseconds
 * @param receiverTimeMicros the receiver's wall clock when the message arrived there, epoch microseconds
 * @param roundTrip time from the last transmission of the message to the arrival of its ack, measured with
 *     this node's monotonic clock
 * @param status {@link DeliveryStatus#DELIVERED}
 */
public record Receipt(UUID messageId, NodeId peer, long senderTimeMicros, long receiverTimeMicros,
                      Duration roundTrip, DeliveryStatus status) {

    /** Validates the fields. */
    public Receipt {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(roundTrip, "roundTrip");
        Objects.requireNonNull(status, "status");
    }

    /** {@link #senderTimeMicros()} as an instant. */
    public Instant senderTime() {
        return WallClock.toInstant(senderTimeMicros);
    }

    /** {@link #receiverTimeMicros()} as an instant. */
    public Instant receiverTime() {
        return WallClock.toInstant(receiverTimeMicros);
    }
}
