package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExceptionHandlerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new ExceptionHandler(SELF, new LimitCounters().logs()));

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private Error failWith(Throwable cause) {
        channel.pipeline().fireExceptionCaught(cause);
        Error error = readError(channel);
        assertThat(channel.isOpen()).isFalse();
        return error;
    }

    @Test
    void aPeerThatNeverTakesTheErrorFrameIsClosedAfterAMomentAnyway() {
        java.util.List<Object> held = new java.util.ArrayList<>();
        EmbeddedChannel stuck = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise p) {
                held.add(msg); // never written: the peer's window is shut
            }
        }, new ExceptionHandler(SELF, new LimitCounters().logs()));
        stuck.freezeTime();

        stuck.pipeline().fireExceptionCaught(new ProtocolException(Error.Code.CODE_RATE_LIMITED, "flood"));
        assertThat(held).singleElement().isInstanceOf(Frame.class);
        assertThat(stuck.isOpen()).as("the Error still has its moment").isTrue();

        stuck.advanceTimeBy(ExceptionHandler.CLOSE_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        stuck.runScheduledPendingTasks();
        assertThat(stuck.isOpen()).isFalse();
    }

    @Test
    void protocolExceptionIsSentWithItsCodeAndMessage() {
        Error error = failWith(new ProtocolException(Error.Code.CODE_IDLE_TIMEOUT, "nothing heard"));

        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_IDLE_TIMEOUT);
        assertThat(error.getMessage()).isEqualTo("nothing heard");
        assertThat(channel.config().isAutoRead()).as("reading stops once the connection failed").isFalse();
    }

    @Test
    void protocolExceptionWrappedByADecoderKeepsItsCode() {
        Error error = failWith(new DecoderException(new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "bad")));

        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_PROTOCOL_VIOLATION);
    }

    @Test
    void tooLongFrameIsReportedAsFrameTooLarge() {
        assertThat(failWith(new TooLongFrameException("too long")).getCode()).isEqualTo(Error.Code.CODE_FRAME_TOO_LARGE);
    }

    @Test
    void unparsableFrameIsReportedAsMalformed() {
        Error error = failWith(new DecoderException(new InvalidProtocolBufferException("truncated")));

        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_MALFORMED_FRAME);
    }

    @Test
    void unexpectedFailureIsReportedAsInternal() {
        assertThat(failWith(new IllegalStateException("boom")).getCode()).isEqualTo(Error.Code.CODE_INTERNAL);
    }

    @Test
    void frameNoHandlerTookIsAProtocolViolation() {
        channel.writeInbound(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build());

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_PROTOCOL_VIOLATION);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void ioFailureClosesWithoutErrorFrame() {
        channel.pipeline().fireExceptionCaught(new IOException("connection reset"));

        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.<Object>readOutbound()).isNull();
    }
}
