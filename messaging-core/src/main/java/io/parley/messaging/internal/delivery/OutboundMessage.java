package io.parley.messaging.internal.delivery;

import io.parley.messaging.Message;
import io.parley.messaging.Receipt;
import io.parley.messaging.proto.v1.Frame;
import java.util.concurrent.CompletableFuture;

/**
 * A message this node sends, from {@code send} until its ack is stored: the stored row, the frame that carries
 * it (built once, sent as often as reconnects require) and the caller's future.
 */
public final class OutboundMessage {

    private final Message message;
    private final Frame frame;
    private final CompletableFuture<Receipt> future;
    private final PeerLink link;
    // Written and read on the link's event loop only.
    long lastSentNanos;
    long lastSentMicros;

    OutboundMessage(Message message, Frame frame, CompletableFuture<Receipt> future, PeerLink link) {
        this.message = message;
        this.frame = frame;
        this.future = future;
        this.link = link;
    }

    public Message message() {
        return message;
    }

    Frame frame() {
        return frame;
    }

    public CompletableFuture<Receipt> future() {
        return future;
    }

    PeerLink link() {
        return link;
    }

    long seq() {
        return message.sequence();
    }
}
