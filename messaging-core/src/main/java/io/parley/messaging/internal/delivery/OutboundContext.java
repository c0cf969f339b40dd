package io.parley.messaging.internal.delivery;

import io.parley.messaging.BackpressureException;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.LimitCounters;

/**
 * What every outbound stream of a node shares.
 *
 * @param window most messages on the wire without an ack
 * @param maxUnacknowledged most messages without a stored outcome per stream; {@code send} fails fast past it
 * @param bodiesInMemory most message bodies a stream holds (see {@link BodyPager})
 * @param quiescence told whenever a message is settled, for a {@code close()} that waits for that
 * @param bounds the byte bounds every stream keeps, and where they are counted
 */
record OutboundContext(StoreStage store, ReceiptCompletion receipts, HybridLogicalClock hlc, WallClock clock,
                       Quiescence quiescence, int window, int maxUnacknowledged, int bodiesInMemory,
                       ByteBounds bounds) {

    /**
     * The byte bounds of a node's streams.
     *
     * @param maxInFlightBytes most payload bytes sent on a connection and not yet acknowledged, per peer
     * @param bodies the node-wide budget of body bytes in memory
     * @param takenAtSend whether a send takes its bytes from the budget before it is queued (a store that is not
     *     durable, where every body stays in memory) rather than the pager as it keeps it
     * @param limits where the bounds are counted when they are reached
     */
    record ByteBounds(long maxInFlightBytes, BodyBudget bodies, boolean takenAtSend, LimitCounters limits) {

        /** Takes a new send's {@code payloadBytes} from the budget if sends take them; false if they do not fit. */
        boolean takeForSend(int payloadBytes) {
            return !takenAtSend || bodies.tryTake(payloadBytes);
        }

        /** Gives back what {@link #takeForSend} took, for a send that was refused or not stored after all. */
        void giveBack(int payloadBytes) {
            if (takenAtSend) {
                bodies.give(payloadBytes);
            }
        }

        /** Why a send of {@code payloadBytes} was refused by {@link #takeForSend}. */
        BackpressureException refusal(NodeId self, int payloadBytes) {
            return new BackpressureException("node " + self + " holds " + bodies.held() + " bytes of payloads not yet "
                    + "acknowledged and its store is not durable; " + payloadBytes + " more would pass "
                    + "maxBodyBytesInMemory (" + bodies.max() + "); retry once some are delivered");
        }
    }
}
