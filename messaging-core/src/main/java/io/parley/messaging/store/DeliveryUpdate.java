package io.parley.messaging.store;

import io.parley.messaging.DeliveryStatus;
import java.util.Objects;
import java.util.UUID;

/**
 * The outcome of a sent message, from its receiver's ack.
 *
 * @param messageId the sent message
 * @param status {@link DeliveryStatus#DELIVERED} or {@link DeliveryStatus#REJECTED}
 * @param receiverTimeMicros the receiver's wall clock when the message arrived, epoch microseconds
 */
public record DeliveryUpdate(UUID messageId, DeliveryStatus status, long receiverTimeMicros) {

    /** Validates the fields. */
    public DeliveryUpdate {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(status, "status");
    }
}
