package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AckCoalescingEncoderTest {

    private final AtomicLong now = new AtomicLong(NOW);
    private final EmbeddedChannel channel = new EmbeddedChannel(new AckCoalescingEncoder(now::get));

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static PendingAck ack(long seq) {
        return new PendingAck(seq, 500_000L + seq, new HybridTimestamp(500_000L + seq, 1), AckStatus.ACK_STATUS_STORED, null);
    }

    @Test
    void acksWrittenBetweenFlushesGoOutAsOneBatchInOrderStampedAtFlushTime() {
        for (long seq = 1; seq <= 5; seq++) {
            channel.write(ack(seq));
        }
        assertThat(channel.<Object>readOutbound()).isNull();
        now.set(2_000_000L);

        channel.flush();

        Frame out = channel.readOutbound();
        assertThat(out.getAckBatch().getAcksList()).extracting(Ack::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(out.getAckBatch().getAcksList()).extracting(Ack::getAckedAtMicros).containsOnly(2_000_000L);
        assertThat(out.getAckBatch().getAcks(2)).isEqualTo(Ack.newBuilder()
                .setSeq(3)
                .setReceiverTimeMicros(500_003L)
                .setHlc(io.parley.messaging.proto.v1.HybridTimestamp.newBuilder().setWallMicros(500_003L).setLogical(1))
                .setStatus(AckStatus.ACK_STATUS_STORED)
                .setAckedAtMicros(2_000_000L)
                .build());
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void ackWriteSucceedsAtOnce() {
        ChannelFuture write = channel.write(ack(1));

        assertThat(write.isSuccess()).isTrue();
    }

    @Test
    void rejectionReasonIsCarriedInTheAck() {
        channel.writeAndFlush(new PendingAck(9, NOW, new HybridTimestamp(NOW, 0), AckStatus.ACK_STATUS_REJECTED, "too large"));

        Ack ack = channel.<Frame>readOutbound().getAckBatch().getAcks(0);
        assertThat(ack.getStatus()).isEqualTo(AckStatus.ACK_STATUS_REJECTED);
        assertThat(ack.getReason()).isEqualTo("too large");
    }

    @Test
    void otherWritesPassThroughUntouchedAheadOfTheBatch() {
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(4)).build();

        channel.write(ack(1));
        channel.write(ping);
        channel.flush();

        assertThat(channel.<Object>readOutbound()).isSameAs(ping);
        assertThat(channel.<Frame>readOutbound().getAckBatch().getAcksCount()).isEqualTo(1);
    }

    @Test
    void flushWithoutAcksWritesNothing() {
        channel.flush();

        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void moreAcksThanFitInOneFrameAreSplitIntoSeveralFramesKeepingOrder() {
        int total = AckCoalescingEncoder.MAX_ACKS_PER_FRAME * 2 + 3;
        for (long seq = 1; seq <= total; seq++) {
            channel.write(ack(seq));
        }
        channel.flush();

        List<Integer> sizes = new java.util.ArrayList<>();
        long expectedSeq = 1;
        for (Frame frame; (frame = channel.readOutbound()) != null; ) {
            sizes.add(frame.getAckBatch().getAcksCount());
            for (Ack ack : frame.getAckBatch().getAcksList()) {
                assertThat(ack.getSeq()).isEqualTo(expectedSeq++);
            }
        }
        assertThat(sizes).containsExactly(AckCoalescingEncoder.MAX_ACKS_PER_FRAME, AckCoalescingEncoder.MAX_ACKS_PER_FRAME, 3);
    }
}
