package io.parley.messaging.store;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.util.Objects;

/**
 * The outcome of a sent message: its receiver's ack, or its expiry. A sent message is named by its recipient
 * and its {@link Message#sequence() sequence}, which are unique among the messages one store has sent.
 *
 * @param recipient the node the message was sent to
 * @param sequence the message's sequence number in the stream to {@code recipient}
 * @param status {@link DeliveryStatus#DELIVERED}, {@link DeliveryStatus#REJECTED} or {@link DeliveryStatus#EXPIRED}
 * @param receiverTimeMicros the receiver's wall clock when the message arrived, epoch microseconds;
 *     {@link Message#UNKNOWN_TIME} for an expired message
 */
public record DeliveryUpdate(NodeId recipient, long sequence, DeliveryStatus status, long receiverTimeMicros) {

    /** Validates the fields. */
    public DeliveryUpdate {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
        if (status != DeliveryStatus.DELIVERED && status != DeliveryStatus.REJECTED && status != DeliveryStatus.EXPIRED) {
            throw new IllegalArgumentException("a delivery update ends a sent message as DELIVERED, REJECTED or EXPIRED, not " + status);
        }
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1, got " + sequence);
        }
    }
}
