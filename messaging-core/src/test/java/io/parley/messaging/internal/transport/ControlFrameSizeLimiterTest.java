package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.Limit;
import io.parley.messaging.Limits;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Member;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControlFrameSizeLimiterTest {

    private static final int CONTROL = 1024;

    private final LimitCounters counters = new LimitCounters();
    private final List<Object> passed = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        ChannelSettings settings = TransportFixtures.settings(Limits.builder().maxControlFrameBytes(CONTROL).build(), counters);
        channel = new EmbeddedChannel(new ControlFrameSizeLimiter(settings), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passed.add(msg); // what the protobuf decoder would take
            }
        }, new ExceptionHandler(TransportFixtures.SELF, counters.logs()));
    }

    @Test
    void aLargeEnvelopePasses() {
        ByteBuf frame = bytes(envelope(64 * 1024));
        channel.writeInbound(frame);

        assertThat(passed).containsExactly(frame);
        frame.release();
        assertThat(counters.count(Limit.CONTROL_FRAME_SIZE)).isZero();
    }

    @Test
    void aSmallControlFramePasses() {
        channel.writeInbound(bytes(Frame.newBuilder().setHello(Hello.newBuilder().setNodeId("a")).build()));

        assertThat(passed).singleElement().isInstanceOf(ByteBuf.class);
        ((ByteBuf) passed.get(0)).release();
    }

    @Test
    void aGossipOverTheLimitIsRefusedUnparsedAndReleased() {
        Gossip.Builder g = Gossip.newBuilder();
        for (int i = 0; i < 200; i++) {
            g.addMembers(Member.newBuilder().setNodeId("m" + i).setAdvertisedAddress("10.0.0." + i % 250 + ":7000"));
        }
        ByteBuf frame = bytes(Frame.newBuilder().setGossip(g).build());
        assertThat(frame.readableBytes()).isGreaterThan(CONTROL);

        channel.writeInbound(frame);

        assertThat(frame.refCnt()).isZero();
        assertThat(passed).isEmpty();
        Frame error = channel.readOutbound();
        assertThat(error.getError().getCode()).isEqualTo(Error.Code.CODE_FRAME_TOO_LARGE);
        assertThat(error.getError().getMessage()).contains("first field is number 10", "at most " + CONTROL + " bytes");
        assertThat(counters.count(Limit.CONTROL_FRAME_SIZE)).isEqualTo(1);
    }

    @Test
    void anEnvelopeFollowedByAHugeHelloCannotPassAsAnEnvelope() {
        // The last field of a oneof wins when protobuf parses: an Envelope first, then a Hello, is a Hello.
        byte[] envelope = envelope(10).toByteArray();
        byte[] hello = Frame.newBuilder().setHello(Hello.newBuilder().setCluster("c".repeat(4 * CONTROL))).build()
                .toByteArray();
        ByteBuf frame = Unpooled.wrappedBuffer(envelope, hello);

        channel.writeInbound(frame);

        assertThat(passed).isEmpty();
        assertThat(counters.count(Limit.CONTROL_FRAME_SIZE)).isEqualTo(1);
    }

    @Test
    void loneEnvelopeMeansTagLengthAndExactlyThatManyBytes() {
        assertThat(ControlFrameSizeLimiter.isLoneEnvelope(bytes(envelope(300)))).isTrue();
        assertThat(ControlFrameSizeLimiter.isLoneEnvelope(Unpooled.wrappedBuffer(new byte[] {0x1A, 5, 1, 2}))).isFalse();
        assertThat(ControlFrameSizeLimiter.isLoneEnvelope(Unpooled.wrappedBuffer(new byte[] {0x1A, (byte) 0x80}))).isFalse();
        assertThat(ControlFrameSizeLimiter.isLoneEnvelope(Unpooled.EMPTY_BUFFER)).isFalse();
    }

    private static Frame envelope(int payload) {
        return Frame.newBuilder().setEnvelope(Envelope.newBuilder().setSeq(1)
                .setPayload(ByteString.copyFrom(new byte[payload]))).build();
    }

    private static ByteBuf bytes(Frame frame) {
        return Unpooled.wrappedBuffer(frame.toByteArray());
    }
}
