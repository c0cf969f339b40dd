package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Pong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HeartbeatHandlerTest {

    private final AtomicLong now = new AtomicLong(NOW);
    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;
    private Session session;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        session = establish(channel);
        channel.pipeline().addLast(PipelineNames.HEARTBEAT, new HeartbeatHandler(settings(now::get), events));
        channel.pipeline().addLast(PipelineNames.EXCEPTIONS, new ExceptionHandler(SELF));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void pingIsAnsweredWithPongEchoingNonceAndPingTime() {
        channel.writeInbound(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(77).setSentAtMicros(123_456L)).build());

        Frame out = channel.readOutbound();
        assertThat(out.getPong()).isEqualTo(Pong.newBuilder()
                .setNonce(77)
                .setPingSentAtMicros(123_456L)
                .setReceivedAtMicros(NOW)
                .setSentAtMicros(NOW)
                .build());
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void pingIsAlsoAnsweredWithOwnPingOnlyWhenThisSideHasNotPingedForAnInterval() {
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1).setSentAtMicros(1L)).build();

        channel.writeInbound(ping);
        assertThat(channel.<Frame>readOutbound().hasPong()).isTrue();
        assertThat(channel.<Frame>readOutbound().getPing().getNonce()).as("own ping, so this side gets clock samples too").isEqualTo(1);

        channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.writeInbound(ping);
        assertThat(channel.<Frame>readOutbound().hasPong()).isTrue();
        assertThat(channel.<Object>readOutbound()).as("pinged less than an interval ago").isNull();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.writeInbound(ping);
        assertThat(channel.<Frame>readOutbound().hasPong()).isTrue();
        assertThat(channel.<Frame>readOutbound().getPing().getNonce()).isEqualTo(2);
    }

    @Test
    void pongIsHandedToTheNodeWithArrivalTime() {
        Pong pong = Pong.newBuilder().setNonce(5).setPingSentAtMicros(10L).setReceivedAtMicros(20L).setSentAtMicros(30L).build();
        now.set(3_000_000L);

        channel.writeInbound(Frame.newBuilder().setPong(pong).build());

        assertThat(events.pongs).containsExactly(new RecordingSessionEvents.PongArrival(session, pong, 3_000_000L));
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void everyFrameUpdatesLastSeenAndOtherFramesPassOn() {
        channel.pipeline().remove(PipelineNames.EXCEPTIONS);
        Frame goodbye = Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("bye")).build();
        now.set(4_000_000L);

        channel.writeInbound(goodbye);

        assertThat(session.lastSeenMicros()).isEqualTo(4_000_000L);
        assertThat(channel.<Object>readInbound()).isSameAs(goodbye);
    }

    @Test
    void writerIdleSendsPingWithFreshNonceAndSendTime() {
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);
        now.set(2_000_000L);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);

        assertThat(channel.<Frame>readOutbound().getPing()).isEqualTo(Ping.newBuilder().setNonce(1).setSentAtMicros(NOW).build());
        assertThat(channel.<Frame>readOutbound().getPing()).isEqualTo(Ping.newBuilder().setNonce(2).setSentAtMicros(2_000_000L).build());
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void readerIdleClosesTheConnectionWithIdleTimeoutError() {
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_IDLE_TIMEOUT);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void readerIdleWhileThisNodeHasStoppedReadingKeepsTheConnection() {
        channel.config().setAutoRead(false);

        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);

        assertThat(channel.isOpen()).isTrue();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void quietLinkIsPingedAfterHeartbeatIntervalAndClosedAfterHeartbeatTimeout() {
        channel.pipeline().addBefore(PipelineNames.HEARTBEAT, PipelineNames.IDLE, new IdleStateHandler(
                HEARTBEAT_TIMEOUT.toMillis(), HEARTBEAT_INTERVAL.toMillis(), 0, TimeUnit.MILLISECONDS));

        channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.<Frame>readOutbound().hasPing()).isTrue();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(HEARTBEAT_TIMEOUT.toMillis() - HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        Frame out;
        while ((out = channel.readOutbound()) != null && out.hasPing()) {
            // further Pings sent while waiting are fine
        }
        assertThat(out).isNotNull();
        assertThat(out.getError().getCode()).isEqualTo(Error.Code.CODE_IDLE_TIMEOUT);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void framesArrivingAfterAProtocolViolationAreDropped() {
        session.markClosing();

        channel.writeInbound(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(9)).build());
        channel.writeInbound(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("late")).build());

        assertThat(channel.<Object>readOutbound()).as("no Pong for a ping on a closing connection").isNull();
        assertThat(channel.<Object>readInbound()).as("nothing passed on").isNull();
    }
}
