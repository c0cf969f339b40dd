/**
 * Delivery: per-peer links (sequence numbers, send window, retransmission after reconnect), the store stage that
 * commits sends, receipts and acks in batches off the event loops, and ordered listener dispatch. Internal: may
 * change in any release.
 */
package io.parley.messaging.internal.delivery;
