package io.parley.messaging;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link Node#submit} returns: the id the message is stored under, known at once, the future of its local
 * commit, and the future of its {@link Receipt}. An application that answers before the receipt (an HTTP API that
 * replies 202 Accepted, a console that shows the message as sent) tells the id, and finds the message in
 * {@link Node#history} by it later.
 *
 * <p><b>What each step promises.</b> A submission with an id is accepted: the message is numbered and queued for
 * this node's store, and nothing more; if the process dies before the store's next commit (a few milliseconds at
 * most while the store is healthy), the message is lost. {@link #stored()} completes once this node's store has
 * committed it: from then on it survives a crash of this process (and, with a {@code synchronous=FULL} SQLite store,
 * a power loss), and the node sends it, again after restarts, until the peer has stored it. The {@link #receipt()}
 * completes once the peer has stored it and this node has stored the peer's acknowledgement.
 *
 * @param messageId the message's id, the same on both nodes; empty if the send failed before the message was made
 *     (the node is closed, the peer is unknown, the payload is too large, too many messages already wait, or the
 *     store cannot write), in which case {@code receipt} and {@code stored} have failed already
 * @param receipt completes as the future {@link Node#send} returns
 * @param stored completes (with null) on the node's receipt thread once this node's store has committed the
 *     message, before the receipt can; fails as {@code receipt} does if the message was never stored. With a store
 *     that is not durable (the in-memory default), committed means in the heap.
 */
public record Submission(Optional<UUID> messageId, CompletableFuture<Receipt> receipt, CompletableFuture<Void> stored) {

    /** Validates the fields. */
    public Submission {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(receipt, "receipt");
        Objects.requireNonNull(stored, "stored");
    }

    /**
     * A submission whose {@code stored} future follows {@code receipt}: it completes when the receipt does, and fails
     * as it does. For a send refused at once, whose receipt has failed already.
     */
    public Submission(Optional<UUID> messageId, CompletableFuture<Receipt> receipt) {
        this(messageId, receipt, Objects.requireNonNull(receipt, "receipt").thenApply(r -> (Void) null));
    }
}
