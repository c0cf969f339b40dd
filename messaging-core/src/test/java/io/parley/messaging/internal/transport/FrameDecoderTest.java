package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.Limit;
import io.parley.messaging.Limits;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private final LimitCounters counters = new LimitCounters();
    private final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(TransportFixtures.settings(Limits.builder().maxControlFrameBytes(1024).build(), counters)), new ExceptionHandler(TransportFixtures.SELF, counters.logs()));

    @Test
    void aLongFrameThatDoesNotStartAsAnEnvelopeIsRefusedFromItsFirstFiveBytes() {
        channel.writeInbound(Unpooled.buffer().writeInt(2_000_000).writeByte(10 << 3 | 2)); // a Gossip of 2 MB

        Frame error = channel.readOutbound();
        assertThat(error.getError().getCode()).isEqualTo(Error.Code.CODE_FRAME_TOO_LARGE);
        assertThat(error.getError().getMessage()).contains("2000000 bytes", "first field is number 10");
        assertThat(counters.count(Limit.CONTROL_FRAME_SIZE)).isEqualTo(1);
    }

    @Test
    void aLongEnvelopeIsGatheredAsUsual() {
        channel.writeInbound(Unpooled.buffer().writeInt(2_000_000).writeByte(3 << 3 | 2));

        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(channel.isActive()).isTrue();
        assertThat(counters.count(Limit.CONTROL_FRAME_SIZE)).isZero();
        channel.finishAndReleaseAll();
    }
}
