package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResumeFirstHandlerTest {

    private final ResumeFirstHandler handler = new ResumeFirstHandler();
    private final EmbeddedChannel channel = new EmbeddedChannel(handler);

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static Frame envelope(long seq) {
        return Frame.newBuilder().setEnvelope(Envelope.newBuilder().setSeq(seq)).build();
    }

    @Test
    void envelopesWrittenBeforeThisSidesResumeFollowItInOrder() {
        channel.writeAndFlush(envelope(1));
        channel.writeAndFlush(envelope(2));
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(handler.waiting()).isEqualTo(2);

        channel.writeAndFlush(Frames.resume(0, 0));

        assertThat(channel.<Frame>readOutbound().hasResume()).isTrue();
        assertThat(channel.<Frame>readOutbound().getEnvelope().getSeq()).isEqualTo(1);
        assertThat(channel.<Frame>readOutbound().getEnvelope().getSeq()).isEqualTo(2);
        assertThat(handler.waiting()).isZero();
    }

    @Test
    void otherFramesNeverWaitAndEnvelopesAfterTheResumePassAtOnce() {
        channel.writeAndFlush(Frame.newBuilder().setAckBatch(AckBatch.getDefaultInstance()).build());
        channel.writeAndFlush(Frame.newBuilder().setPing(Ping.getDefaultInstance()).build());
        assertThat(channel.<Frame>readOutbound().hasAckBatch()).isTrue();
        assertThat(channel.<Frame>readOutbound().hasPing()).isTrue();

        channel.writeAndFlush(Frames.resume(3, 4));
        channel.writeAndFlush(envelope(5));

        assertThat(channel.<Frame>readOutbound().hasResume()).isTrue();
        assertThat(channel.<Frame>readOutbound().getEnvelope().getSeq()).isEqualTo(5);
    }

    @Test
    void envelopesStillWaitingWhenTheConnectionClosesAreDroppedAndTheirWritesFail() {
        var write = channel.writeAndFlush(envelope(1));

        channel.close();

        assertThat(write.isDone()).isTrue();
        assertThat(write.isSuccess()).isFalse();
        assertThat(channel.<Object>readOutbound()).isNull();
    }
}
