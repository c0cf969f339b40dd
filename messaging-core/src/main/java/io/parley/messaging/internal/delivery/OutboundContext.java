package io.parley.messaging.internal.delivery;

import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;

/**
 * What every outbound stream of a node shares.
 *
 * @param window most messages on the wire without an ack
 * @param maxUnacknowledged most messages without a stored outcome per stream; {@code send} fails fast past it
 * @param bodiesInMemory most message bodies a stream holds (see {@link BodyPager})
 * @param quiescence told whenever a message is settled, for a {@code close()} that waits for that
 */
record OutboundContext(StoreStage store, ReceiptCompletion receipts, HybridLogicalClock hlc, WallClock clock,
                       Quiescence quiescence, int window, int maxUnacknowledged, int bodiesInMemory) {
}
