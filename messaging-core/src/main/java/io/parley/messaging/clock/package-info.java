/**
 * Clocks: the injectable {@link io.parley.messaging.clock.WallClock} every message is stamped with, the
 * {@link io.parley.messaging.clock.HybridLogicalClock} that orders messages across nodes, and the
 * {@link io.parley.messaging.clock.ClockOffsetEstimator} that estimates each peer's clock offset.
 */
package io.parley.messaging.clock;
