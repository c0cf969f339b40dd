package io.parley.messaging;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link Node#submitBroadcast} returns: the id every copy of the message carries, known at once, the future of
 * each peer's {@link Receipt}, and the future of the whole {@link BroadcastReceipt}. For applications that answer
 * before the receipts come (an HTTP API that replies 202 Accepted with the id) and tell each peer's receipt as it
 * comes (a console that prints a line per peer).
 *
 * @param messageId the message's id, the same in every store; empty if nothing was sent (the node is closed, or the
 *     payload is too large), in which case {@code receipts} is empty and {@code receipt} has failed already
 * @param receipts every peer the message was addressed to, sorted by id, with the future of its copy's
 *     {@link Receipt}, which completes as the future {@link Node#send} returns does, on the node's receipt thread. A
 *     copy that could not be sent at all (for instance {@link BackpressureException}: too many messages already wait
 *     for that peer) is not stored, and its future has failed already when {@link Node#submitBroadcast} returns
 * @param receipt completes as the future {@link Node#broadcast(byte[])} returns does: once every copy has its receipt
 *     or has failed
 */
public record BroadcastSubmission(Optional<UUID> messageId, Map<NodeId, CompletableFuture<Receipt>> receipts,
                                  CompletableFuture<BroadcastReceipt> receipt) {

    /** Validates the fields and keeps a sorted, unmodifiable copy of {@code receipts}. */
    public BroadcastSubmission {
        Objects.requireNonNull(messageId, "messageId");
        receipts = Collections.unmodifiableMap(new TreeMap<>(receipts));
        Objects.requireNonNull(receipt, "receipt");
    }
}
