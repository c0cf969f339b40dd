package io.parley.messaging;

/** Where a stored message stands. */
public enum DeliveryStatus {
    /** Sent message stored on this node, not yet acknowledged by its receiver. */
    PENDING,
    /** Sent message acknowledged by its receiver, which stored it. */
    DELIVERED,
    /** Sent message the receiver refused for good (its reason is in the failed future). */
    REJECTED,
    /**
     * Sent message whose time to live ran out before it reached its receiver: it is not sent again, and its
     * future failed with {@link MessageExpiredException}.
     */
    EXPIRED,
    /** Received message, stored on this node and acknowledged to its sender. */
    RECEIVED
}
