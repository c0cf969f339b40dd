package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.FailureDetection;
import io.parley.messaging.Limit;
import io.parley.messaging.Limits;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that does not read: the connection turns unwritable, and the node stops reading it (no Pong piles up), reads
 * again once it is writable, and closes it with {@code CODE_SLOW_CONSUMER} if it stays unwritable too long.
 */
class WritabilityHandlerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final int FULL = 1; // a user-defined writability bit, standing for a full buffer

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private final LimitCounters counters = new LimitCounters();
    private EmbeddedChannel channel;
    private Session session;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        session = establish(channel);
        Limits limits = Limits.builder().maxFrameBytes(MAX_FRAME_BYTES)
                .maxPayloadBytes(MAX_FRAME_BYTES - Limits.FRAME_OVERHEAD_BYTES).slowConsumerTimeout(TIMEOUT).build();
        ChannelSettings settings = new ChannelSettings(SELF, CLUSTER, INCARNATION, () -> ADVERTISED, () -> NOW,
                HANDSHAKE_TIMEOUT, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, limits, FailureDetection.DEFAULT, null, counters, null);
        channel.pipeline().addLast(PipelineNames.WRITABILITY, new WritabilityHandler(settings, events));
        channel.pipeline().addLast(PipelineNames.HEARTBEAT, new HeartbeatHandler(settings, events));
        channel.pipeline().addLast(PipelineNames.EXCEPTIONS, new ExceptionHandler(SELF, counters.logs()));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void unwritableConnectionIsNotReadAndGetsNoPongUntilWritableAgain() {
        unwritable();

        assertThat(channel.config().isAutoRead()).as("not read while the peer does not read").isFalse();
        assertThat(counters.count(Limit.WRITE_BUFFER_FULL)).isEqualTo(1);
        channel.writeInbound(ping(1)); // decoded from bytes read before the pause
        assertThat(channel.<Object>readOutbound()).as("no Pong for a peer that does not read").isNull();

        writable();

        assertThat(channel.config().isAutoRead()).as("read again").isTrue();
        assertThat(events.writable).as("delivery is told, so its stream goes on").containsExactly(session);
        channel.writeInbound(ping(2));
        assertThat(channel.<Frame>readOutbound().getPong().getNonce()).isEqualTo(2);
    }

    @Test
    void aBufferFullOfRealBytesPausesReadingUntilItDrainsBelowTheLowMark() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(500, 1000));

        channel.write(Unpooled.wrappedBuffer(new byte[600]));
        assertThat(channel.config().isAutoRead()).as("600 bytes waiting: under the high mark").isTrue();
        channel.write(Unpooled.wrappedBuffer(new byte[600]));
        assertThat(channel.isWritable()).isFalse();
        assertThat(channel.config().isAutoRead()).as("1,200 bytes waiting: over it").isFalse();
        assertThat(WritabilityHandler.pendingBytes(channel)).as("with Netty's own count of each write").isGreaterThan(1200);

        channel.flush(); // the peer took it all

        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(counters.count(Limit.WRITE_BUFFER_FULL)).isEqualTo(1);
    }

    @Test
    void readingResumesOnlyOnceNoOtherReasonHoldsIt() {
        ReadPause.pause(channel, ReadPause.Reason.BACKLOG);
        unwritable();
        writable();

        assertThat(channel.config().isAutoRead()).as("the store's backlog still holds it").isFalse();

        ReadPause.resume(channel, ReadPause.Reason.BACKLOG);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void backlogLiftedWhileUnwritableDoesNotResumeReading() {
        unwritable();
        ReadPause.pause(channel, ReadPause.Reason.BACKLOG);
        ReadPause.resume(channel, ReadPause.Reason.BACKLOG);

        assertThat(channel.config().isAutoRead()).as("the peer still does not read").isFalse();
    }

    @Test
    void connectionUnwritablePastTheTimeoutIsClosedWithSlowConsumer() {
        unwritable();
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("not yet").isTrue();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        Error error = readError(channel);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_SLOW_CONSUMER);
        assertThat(error.getMessage()).contains("3000 ms");
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.count(Limit.SLOW_CONSUMER)).isEqualTo(1);
        assertThat(session.isClosing()).isTrue();
    }

    @Test
    void connectionWritableAgainBeforeTheTimeoutStaysOpen() {
        unwritable();
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        writable();
        channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isTrue();
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(counters.count(Limit.SLOW_CONSUMER)).isZero();
    }

    @Test
    void eachSpellOfUnwritabilityHasATimeoutOfItsOwn() {
        unwritable();
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        writable();
        unwritable();
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("the second spell is not over yet").isTrue();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.count(Limit.WRITE_BUFFER_FULL)).isEqualTo(2);
    }

    private void unwritable() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(FULL, false);
        channel.runPendingTasks(); // Netty tells of a user-defined change from a task
        assertThat(channel.isWritable()).isFalse();
    }

    private void writable() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(FULL, true);
        channel.runPendingTasks();
        assertThat(channel.isWritable()).isTrue();
    }

    private static Frame ping(long nonce) {
        return Frame.newBuilder().setPing(Ping.newBuilder().setNonce(nonce).setSentAtMicros(1L)).build();
    }
}
