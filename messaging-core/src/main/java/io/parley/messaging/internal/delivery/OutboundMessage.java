package io.parley.messaging.internal.delivery;

import com.google.protobuf.UnsafeByteOperations;
import io.parley.messaging.Message;
import io.parley.messaging.Receipt;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;
import java.util.concurrent.CompletableFuture;

/**
 * A sent message whose body is in memory, from {@code send} (or from being loaded out of the store) until its
 * outcome is stored: the stored row, the caller's future (none for a message reloaded after a restart), and
 * the frame that carries it, built when it first goes on the wire.
 */
public final class OutboundMessage {

    private final Message message;
    private final CompletableFuture<Receipt> future;
    private final PeerLink link;
    // Written and read on the link's event loop only.
    private Frame frame;
    long lastSentNanos;
    long lastSentMicros;

    OutboundMessage(Message message, CompletableFuture<Receipt> future, PeerLink link) {
        this.message = message;
        this.future = future;
        this.link = link;
    }

    public Message message() {
        return message;
    }

    /** The caller's future, or null for a message reloaded from the store after a restart. */
    public CompletableFuture<Receipt> future() {
        return future;
    }

    PeerLink link() {
        return link;
    }

    long seq() {
        return message.sequence();
    }

    /** The Envelope for this message, following {@code previousSeq} on its connection. */
    Frame frame(long previousSeq) {
        Frame f = frame;
        if (f == null) {
            f = Frame.newBuilder().setEnvelope(Envelope.newBuilder()
                    .setSeq(message.sequence())
                    .setPreviousSeq(message.sequence() - 1)
                    .setMessageId(Frames.uuid(message.id()))
                    .setSenderTimeMicros(message.senderTimeMicros())
                    .setHlc(Frames.hlc(message.hlc()))
                    .setPayload(UnsafeByteOperations.unsafeWrap(message.payload()))).build();
            frame = f;
        }
        if (previousSeq == message.sequence() - 1) {
            return f;
        }
        return f.toBuilder().setEnvelope(f.getEnvelope().toBuilder().setPreviousSeq(previousSeq)).build();
    }
}
