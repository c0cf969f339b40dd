package io.parley.messaging.store;

import io.parley.messaging.Message;
import java.util.List;
import java.util.Objects;

/**
 * Changes a {@link MessageStore} applies in one transaction.
 *
 * @param sent new messages this node sends, status PENDING
 * @param received messages that arrived from peers, status RECEIVED
 * @param deliveries outcomes of messages this node sent earlier
 */
public record WriteBatch(List<Message> sent, List<Message> received, List<DeliveryUpdate> deliveries) {

    /** Copies the lists. */
    public WriteBatch {
        sent = List.copyOf(Objects.requireNonNull(sent, "sent"));
        received = List.copyOf(Objects.requireNonNull(received, "received"));
        deliveries = List.copyOf(Objects.requireNonNull(deliveries, "deliveries"));
    }

    /** Whether there is nothing to apply. */
    public boolean isEmpty() {
        return sent.isEmpty() && received.isEmpty() && deliveries.isEmpty();
    }

    /** How many changes the batch holds. */
    public int size() {
        return sent.size() + received.size() + deliveries.size();
    }
}
