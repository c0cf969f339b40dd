package io.parley.messaging;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What became of one {@link Node#broadcast}: a {@link Receipt} for every peer that stored the message, the peers
 * still waited for, and the peers for which sending failed. Each peer appears in exactly one of the three.
 *
 * <p>Every copy of a broadcast carries the same message id, so the message is the same one in every peer's store.
 * A peer listed as pending still gets the message: it waits in this node's store and link until the peer
 * acknowledges it, and its per-peer receipt is then stored here as for any message.
 *
 * @param messageId the id every copy of the message carries
 * @param delivered the peers that stored the message, each with its receipt, sorted by peer id
 * @param pending the peers that had not acknowledged it when this receipt was made, sorted
 * @param failed the peers it could not be sent to, each with the cause (for instance
 *     {@link BackpressureException}, {@link DeliveryRejectedException} or {@link NodeClosedException}), sorted
 */
public record BroadcastReceipt(UUID messageId, Map<NodeId, Receipt> delivered, Set<NodeId> pending,
                               Map<NodeId, Throwable> failed) {

    /** Validates the fields and keeps sorted, unmodifiable copies. */
    public BroadcastReceipt {
        Objects.requireNonNull(messageId, "messageId");
        delivered = java.util.Collections.unmodifiableMap(new TreeMap<>(delivered));
        pending = java.util.Collections.unmodifiableSet(new TreeSet<>(pending));
        failed = java.util.Collections.unmodifiableMap(new TreeMap<>(failed));
    }

    /** Whether every peer stored the message: none is pending and none failed. */
    public boolean isComplete() {
        return pending.isEmpty() && failed.isEmpty();
    }

    /** Every peer the message was addressed to, sorted. */
    public Set<NodeId> peers() {
        Set<NodeId> all = new TreeSet<>(delivered.keySet());
        all.addAll(pending);
        all.addAll(failed.keySet());
        return java.util.Collections.unmodifiableSet(all);
    }
}
