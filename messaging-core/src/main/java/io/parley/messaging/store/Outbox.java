package io.parley.messaging.store;

import io.parley.messaging.NodeId;
import java.util.Objects;

/**
 * What a store holds of the stream of messages its node sent to one peer: where numbering goes on after a
 * restart, and where the messages still waiting for an ack begin.
 *
 * @param peer the recipient
 * @param lastSequence the highest sequence number stored for messages to {@code peer}, whatever their status
 * @param firstPending the lowest sequence number of a message to {@code peer} still PENDING, or 0 if none is
 * @param pendingCount how many messages to {@code peer} are PENDING
 */
public record Outbox(NodeId peer, long lastSequence, long firstPending, long pendingCount) {

    /** Validates the fields. */
    public Outbox {
        Objects.requireNonNull(peer, "peer");
        if (lastSequence < 0 || firstPending < 0 || pendingCount < 0 || firstPending > lastSequence
                || (pendingCount == 0) != (firstPending == 0)) {
            throw new IllegalArgumentException("inconsistent outbox for " + peer + ": last " + lastSequence
                    + ", first pending " + firstPending + ", pending " + pendingCount);
        }
    }
}
