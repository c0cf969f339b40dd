package io.parley.messaging.internal.transport;

import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.proto.v1.AckStatus;

/**
 * One ack waiting to go out; written to the channel by the node, gathered into AckBatch frames by
 * {@link AckCoalescingEncoder}.
 */
public record PendingAck(long seq, long receiverTimeMicros, HybridTimestamp hlc, AckStatus status, String reason) {
}
