package io.parley.messaging.internal.transport;

import com.google.protobuf.ByteString;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Resume;
import java.nio.ByteBuffer;
import java.util.UUID;

/** Small conversions between protobuf frames and Parley's types. */
public final class Frames {

    /** The only protocol version this node speaks. */
    public static final int PROTOCOL_VERSION = 1;

    private Frames() {
    }

    public static Frame error(Error.Code code, String message) {
        return Frame.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(message)).build();
    }

    public static Frame resume(long receivedSeq, long settledSeq) {
        return Frame.newBuilder().setResume(Resume.newBuilder().setReceivedSeq(receivedSeq).setSettledSeq(settledSeq)).build();
    }

    public static io.parley.messaging.proto.v1.HybridTimestamp hlc(HybridTimestamp t) {
        return io.parley.messaging.proto.v1.HybridTimestamp.newBuilder()
                .setWallMicros(t.wallMicros()).setLogical(t.logical()).build();
    }

    public static HybridTimestamp hlc(io.parley.messaging.proto.v1.HybridTimestamp t) {
        if (t.getLogical() < 0) {
            throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "hybrid clock counter out of range: " + t.getLogical());
        }
        return new HybridTimestamp(t.getWallMicros(), t.getLogical());
    }

    public static ByteString uuid(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return ByteString.copyFrom(b.array());
    }

    public static UUID uuid(ByteString bytes) {
        if (bytes.size() != 16) {
            throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION,
                    "message_id must be 16 bytes, got " + bytes.size());
        }
        ByteBuffer b = bytes.asReadOnlyByteBuffer();
        return new UUID(b.getLong(), b.getLong());
    }

    /** A short name of a frame's body for log lines ("ENVELOPE", "HELLO", ...). */
    public static String kind(Frame frame) {
        return frame.getBodyCase().name();
    }
}
