package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameEncoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new FrameEncoder());

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void frameIsWrittenAsBigEndianLengthThenItsProtobufBytes() throws Exception {
        Frame frame = Frame.newBuilder().setEnvelope(Envelope.newBuilder().setSeq(42)
                .setPayload(ByteString.copyFromUtf8("x".repeat(300)))).build();

        channel.writeOutbound(frame);

        ByteBuf out = channel.readOutbound();
        try {
            assertThat(out.readableBytes()).isEqualTo(4 + frame.getSerializedSize());
            assertThat(out.readInt()).isEqualTo(frame.getSerializedSize());
            assertThat(Frame.parseFrom(ByteBufUtil.getBytes(out))).isEqualTo(frame);
        } finally {
            out.release();
        }
    }

    @Test
    void framesWrittenInARowStayApartAndInOrder() throws Exception {
        Frame first = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();
        Frame second = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(2)).build();

        channel.writeOutbound(first, second);

        for (Frame expected : new Frame[] {first, second}) {
            ByteBuf out = channel.readOutbound();
            try {
                int length = out.readInt();
                assertThat(length).isEqualTo(out.readableBytes());
                assertThat(Frame.parseFrom(ByteBufUtil.getBytes(out))).isEqualTo(expected);
            } finally {
                out.release();
            }
        }
        assertThat(channel.<Object>readOutbound()).isNull();
    }
}
