package io.parley.messaging;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link Node#submit} returns: the id the message is stored under, known at once, and the future of its
 * {@link Receipt}. An application that answers before the receipt (an HTTP API that replies 202 Accepted, a console
 * that shows the message as sent) tells the id, and finds the message in {@link Node#history} by it later.
 *
 * @param messageId the message's id, the same on both nodes; empty if the send failed before the message was made
 *     (the node is closed, the peer is unknown, the payload is too large, or too many messages already wait), in
 *     which case {@code receipt} has failed already
 * @param receipt completes as the future {@link Node#send} returns
 */
public record Submission(Optional<UUID> messageId, CompletableFuture<Receipt> receipt) {

    /** Validates the fields. */
    public Submission {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(receipt, "receipt");
    }
}
