package io.parley.messaging.store;

import java.util.List;

/**
 * What {@link MessageStore#apply} did with a batch's received messages.
 *
 * @param received one outcome per received message, in the batch's order
 */
public record WriteResult(List<ReceiveOutcome> received) {

    /** Copies the list. */
    public WriteResult {
        received = List.copyOf(received);
    }

    /**
     * What became of one received message.
     *
     * @param duplicate whether it had been stored before (and was not stored again)
     * @param receiverTimeMicros the receiver time stored with it: the first arrival's, for a duplicate
     */
    public record ReceiveOutcome(boolean duplicate, long receiverTimeMicros) {
    }
}
