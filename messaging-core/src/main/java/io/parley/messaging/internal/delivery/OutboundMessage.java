package io.parley.messaging.internal.delivery;

import com.google.protobuf.UnsafeByteOperations;
import io.parley.messaging.Message;
import io.parley.messaging.internal.transport.Frames;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;

/**
 * A sent message whose body is in memory, from {@code send} (or from being loaded out of the store) until its
 * outcome is stored: the stored row, the caller's future (none for a message reloaded after a restart), and
 * the frame that carries it, built when it first goes on the wire.
 */
public final class OutboundMessage implements Slot {

    private final Message message;
    private final ReceiptFuture future;
    private final OutboundStream stream;
    // Written and read on the stream's home loop only.
    private Frame frame;
    long lastSentNanos;
    long lastSentMicros;
    int sentInTurn; // the SendWindow's turn it was last sent in, so that its bytes count in flight in that one only

    OutboundMessage(Message message, ReceiptFuture future, OutboundStream stream) {
        this.message = message;
        this.future = future;
        this.stream = stream;
    }

    public Message message() {
        return message;
    }

    /** The caller's future, or null for a message reloaded from the store after a restart. */
    @Override
    public ReceiptFuture future() {
        return future;
    }

    OutboundStream stream() {
        return stream;
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
