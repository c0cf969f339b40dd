package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.FailureDetection;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The failure detector of one connection, with the event loop's clock frozen and moved by hand. */
class FailureDetectorHandlerTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration TICK = FailureDetectorHandler.tickFor(INTERVAL);
    private static final FailureDetection DETECTION = FailureDetection.DEFAULT;

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;
    private long elapsedMillis;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        establish(channel);
        ChannelSettings settings = new ChannelSettings(SELF, CLUSTER, INCARNATION, () -> ADVERTISED, () -> NOW,
                HANDSHAKE_TIMEOUT, INTERVAL, Duration.ofMinutes(1), TransportFixtures.limits(MAX_FRAME_BYTES), DETECTION, null, new LimitCounters(), null);
        channel.pipeline().addLast(PipelineNames.FAILURE_DETECTOR, new FailureDetectorHandler(settings, events));
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                // the session handlers would take the frame here
            }
        });
        channel.pipeline().addLast(PipelineNames.EXCEPTIONS, new ExceptionHandler(SELF, new LimitCounters().logs()));
        channel.pipeline().fireUserEventTriggered(SessionEstablished.INSTANCE);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void advance(Duration d) {
        for (long left = d.toMillis(); left > 0; left -= TICK.toMillis()) {
            long step = Math.min(left, TICK.toMillis());
            channel.advanceTimeBy(step, TimeUnit.MILLISECONDS);
            elapsedMillis += step;
            channel.runScheduledPendingTasks();
        }
    }

    private static Frame ping() {
        return Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();
    }

    /** Pings arrive every interval for {@code count} intervals. */
    private void heartbeats(int count) {
        for (int i = 0; i < count; i++) {
            advance(INTERVAL);
            channel.writeInbound(ping());
        }
    }

    /** Advances a tick at a time until {@code condition} holds; returns how long that took. */
    private long millisUntil(java.util.function.BooleanSupplier condition, Duration limit) {
        long start = elapsedMillis;
        while (!condition.getAsBoolean()) {
            assertThat(elapsedMillis - start).as("waited too long").isLessThan(limit.toMillis());
            advance(TICK);
        }
        return elapsedMillis - start;
    }

    @Test
    void silentPeerIsSuspectedThenJudgedDownWithinTheStatedBound() {
        heartbeats(30);

        long toSuspect = millisUntil(() -> !events.suspicions.isEmpty(), Duration.ofSeconds(10));
        long toDown = toSuspect + millisUntil(() -> !events.unreachable.isEmpty(), Duration.ofSeconds(10));

        long suspectBound = DETECTION.silenceUntilSuspect(INTERVAL).toMillis();
        long downBound = DETECTION.silenceUntilDown(INTERVAL).toMillis();
        assertThat(toSuspect).isBetween(suspectBound, suspectBound + TICK.toMillis());
        assertThat(toDown).isBetween(downBound, downBound + TICK.toMillis());
        assertThat(events.suspicions.get(0)).contains("nothing heard for", "phi");
        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_IDLE_TIMEOUT);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.recoveries).isEmpty();
    }

    @Test
    void suspectedPeerThatSpeaksAgainRecovers() {
        heartbeats(30);
        millisUntil(() -> !events.suspicions.isEmpty(), Duration.ofSeconds(10));

        channel.writeInbound(Frame.newBuilder().setAckBatch(AckBatch.getDefaultInstance()).build());

        assertThat(events.recoveries).hasSize(1);
        assertThat(events.unreachable).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void framesOtherThanPingsKeepABusyPeerTrusted() {
        heartbeats(5);
        for (int i = 0; i < 200; i++) {
            advance(Duration.ofMillis(50));
            channel.writeInbound(Frame.newBuilder().setAckBatch(AckBatch.getDefaultInstance()).build());
        }
        assertThat(events.suspicions).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void silenceWhileThisNodeIsNotReadingIsNotHeldAgainstThePeer() {
        heartbeats(10);
        channel.config().setAutoRead(false);

        advance(Duration.ofSeconds(30));
        assertThat(events.suspicions).isEmpty();
        assertThat(channel.isOpen()).isTrue();

        channel.config().setAutoRead(true);
        long toSuspect = millisUntil(() -> !events.suspicions.isEmpty(), Duration.ofSeconds(10));
        assertThat(toSuspect).as("silence counts again from the moment reading resumed")
                .isLessThanOrEqualTo(DETECTION.silenceUntilSuspect(INTERVAL).toMillis() + TICK.toMillis());
    }

    @Test
    void timeThisNodesOwnEventLoopDidNotRunIsNotHeldAgainstThePeer() {
        heartbeats(30);

        // The loop stalls for 10 s (a long garbage collection): its next tick comes 10 s late, in one step.
        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        elapsedMillis += 10_000;
        channel.runScheduledPendingTasks();
        assertThat(events.suspicions).isEmpty();
        assertThat(channel.isOpen()).isTrue();

        // Silence after the stall, with the loop running, counts as usual.
        long toSuspect = millisUntil(() -> !events.suspicions.isEmpty(), Duration.ofSeconds(10));
        assertThat(toSuspect).isLessThanOrEqualTo(DETECTION.silenceUntilSuspect(INTERVAL).toMillis() + TICK.toMillis());
    }

    @Test
    void nothingIsEvaluatedBeforeTheSessionIsEstablished() {
        EmbeddedChannel fresh = new EmbeddedChannel();
        fresh.freezeTime();
        RecordingSessionEvents quiet = new RecordingSessionEvents();
        fresh.pipeline().addLast(new FailureDetectorHandler(settings(), quiet));

        fresh.advanceTimeBy(10, TimeUnit.MINUTES);
        fresh.runScheduledPendingTasks();

        assertThat(quiet.suspicions).isEmpty();
        assertThat(fresh.isOpen()).isTrue();
        fresh.finishAndReleaseAll();
    }
}
