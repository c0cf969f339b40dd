package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.parley.messaging.proto.v1.Ping;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControlFrameLimiterTest {

    private static final int RATE = 8;
    private static final Frame PING = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();
    private static final Frame GOSSIP = Frame.newBuilder().setGossip(Gossip.getDefaultInstance()).build();
    private static final Frame ENVELOPE = Frame.newBuilder().setEnvelope(Envelope.newBuilder().setSeq(1)).build();

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LimitCounters counters = new LimitCounters();
    private final List<Object> passed = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        ChannelSettings settings = TransportFixtures.settings(Limits.builder().maxControlFramesPerSecond(RATE).build(), counters);
        channel = new EmbeddedChannel(new ControlFrameLimiter(settings, nanos::get), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passed.add(msg); // what the session handlers would take
            }
        }, new ExceptionHandler(TransportFixtures.SELF, counters.logs()));
    }

    @Test
    void aBurstOfTheRatePassesAndTheNextIsDroppedAndCounted() {
        for (int i = 0; i < RATE; i++) {
            channel.writeInbound(PING);
        }
        channel.writeInbound(PING);

        assertThat(inbound()).isEqualTo(RATE);
        assertThat(counters.count(Limit.CONTROL_FRAME_RATE)).isEqualTo(1);
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void tokensComeBackAtTheRate() {
        for (int i = 0; i < RATE + 3; i++) {
            channel.writeInbound(PING);
        }
        nanos.addAndGet(1_000_000_000L / RATE); // one token
        channel.writeInbound(PING);
        channel.writeInbound(PING);

        assertThat(inbound()).isEqualTo(RATE + 1);
        assertThat(counters.count(Limit.CONTROL_FRAME_RATE)).isEqualTo(4);
    }

    @Test
    void pingsAndGossipHaveBucketsOfTheirOwnGossipAQuarterOfTheRateAndOtherFramesAreNeverLimited() {
        for (int i = 0; i < RATE; i++) {
            channel.writeInbound(PING);
        }
        for (int i = 0; i < RATE / 4; i++) {
            channel.writeInbound(GOSSIP);
        }
        for (int i = 0; i < 1000; i++) {
            channel.writeInbound(ENVELOPE);
        }
        assertThat(inbound()).isEqualTo(RATE + RATE / 4 + 1000);
        assertThat(counters.count(Limit.CONTROL_FRAME_RATE)).isZero();

        channel.writeInbound(GOSSIP);
        assertThat(counters.count(Limit.CONTROL_FRAME_RATE)).as("one Gossip past a quarter of the rate").isEqualTo(1);
    }

    @Test
    void aFloodClosesTheConnectionWithRateLimited() {
        for (int i = 0; i <= RATE + ControlFrameLimiter.FLOOD_FACTOR * RATE + 1 && channel.isActive(); i++) {
            channel.writeInbound(PING);
        }
        channel.runPendingTasks();

        Frame error = drainUntilError();
        assertThat(error.getError().getCode()).isEqualTo(Error.Code.CODE_RATE_LIMITED);
        assertThat(error.getError().getMessage()).contains("Ping frames", "limit of " + RATE + " a second");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aSlowButSteadyExcessIsDroppedButNotClosed() {
        // Twice the rate for 30 s: half the frames dropped, never a run long enough to close.
        for (int i = 0; i < 30 * 2 * RATE; i++) {
            nanos.addAndGet(1_000_000_000L / (2 * RATE));
            channel.writeInbound(PING);
        }
        assertThat(channel.isActive()).isTrue();
        assertThat(counters.count(Limit.CONTROL_FRAME_RATE)).isBetween(25L * RATE, 35L * RATE);
    }

    private int inbound() {
        return passed.size();
    }

    private Frame drainUntilError() {
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof Frame f && f.hasError()) {
                return f;
            }
        }
        throw new AssertionError("no Error frame written");
    }

    @Test
    void framesAreJudgedAndDroppedAsBytesBeforeTheyAreParsed() {
        for (int i = 0; i < RATE / 4; i++) {
            channel.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(GOSSIP.toByteArray()));
        }
        io.netty.buffer.ByteBuf dropped = io.netty.buffer.Unpooled.wrappedBuffer(GOSSIP.toByteArray());
        channel.writeInbound(dropped);

        assertThat(inbound()).isEqualTo(RATE / 4);
        assertThat(dropped.refCnt()).as("released unparsed").isZero();
        assertThat(counters.count(Limit.CONTROL_FRAME_RATE)).isEqualTo(1);
        passed.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void aSmallFieldInFrontCannotDisguiseAGossipAsAnotherFrame() {
        byte[] envelope = ENVELOPE.toByteArray();
        byte[] gossip = GOSSIP.toByteArray();
        byte[] disguised = new byte[envelope.length + gossip.length];
        System.arraycopy(envelope, 0, disguised, 0, envelope.length);
        System.arraycopy(gossip, 0, disguised, envelope.length, gossip.length);

        assertThat(ControlFrameLimiter.kind(io.netty.buffer.Unpooled.wrappedBuffer(disguised)))
                .as("protobuf keeps the last field of the oneof").isEqualTo(Frame.GOSSIP_FIELD_NUMBER);
        assertThat(ControlFrameLimiter.kind(io.netty.buffer.Unpooled.wrappedBuffer(PING.toByteArray())))
                .isEqualTo(Frame.PING_FIELD_NUMBER);
        assertThat(ControlFrameLimiter.kind(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0x52, 10, 1})))
                .as("a length past the end").isZero();
    }
}
