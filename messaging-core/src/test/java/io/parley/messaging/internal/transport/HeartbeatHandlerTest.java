package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Pong;
import java.util.ArrayList;
import java.util.List;
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
        channel.pipeline().addLast(PipelineNames.EXCEPTIONS, new ExceptionHandler(SELF, new LimitCounters().logs()));
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
    void pingIsAnsweredWithPongOnlyNotWithAPingOfItsOwn() {
        channel.writeInbound(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1).setSentAtMicros(1L)).build());

        assertThat(channel.<Frame>readOutbound().hasPong()).isTrue();
        assertThat(channel.<Object>readOutbound()).as("this side pings on its own timer").isNull();
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
    void pingsGoOutEveryIntervalFromTheSessionsStartWithFreshNonceAndSendTime() {
        channel.pipeline().fireUserEventTriggered(SessionEstablished.INSTANCE);
        assertThat(channel.<Object>readOutbound()).as("no Ping before an interval has passed").isNull();

        channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        now.set(2_000_000L);
        channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.<Frame>readOutbound().getPing()).isEqualTo(Ping.newBuilder().setNonce(1).setSentAtMicros(NOW).build());
        assertThat(channel.<Frame>readOutbound().getPing()).isEqualTo(Ping.newBuilder().setNonce(2).setSentAtMicros(2_000_000L).build());
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void pingsGoOutOnABusyLinkToo() {
        channel.pipeline().fireUserEventTriggered(SessionEstablished.INSTANCE);

        for (int i = 0; i < 10; i++) {
            channel.writeOutbound(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("traffic " + i)).build());
            channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis() / 10, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }

        List<Frame> written = new ArrayList<>();
        for (Frame f; (f = channel.readOutbound()) != null; ) {
            written.add(f);
        }
        assertThat(written).filteredOn(Frame::hasPing).as("one Ping per interval whatever else is written").hasSize(1);
    }

    @Test
    void pingsStopWhenTheConnectionCloses() {
        channel.pipeline().fireUserEventTriggered(SessionEstablished.INSTANCE);
        channel.close();

        channel.advanceTimeBy(3 * HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.<Object>readOutbound()).isNull();
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
    void quietLinkIsPingedEveryIntervalAndClosedAfterHeartbeatTimeout() {
        channel.pipeline().addBefore(PipelineNames.HEARTBEAT, PipelineNames.IDLE, new IdleStateHandler(
                HEARTBEAT_TIMEOUT.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        channel.pipeline().fireUserEventTriggered(SessionEstablished.INSTANCE);

        channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.<Frame>readOutbound().hasPing()).isTrue();
        assertThat(channel.isOpen()).isTrue();

        for (long t = HEARTBEAT_INTERVAL.toMillis(); t < HEARTBEAT_TIMEOUT.toMillis(); t += HEARTBEAT_INTERVAL.toMillis()) {
            channel.advanceTimeBy(HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }
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
