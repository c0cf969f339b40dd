package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.FailureDetection;
import io.parley.messaging.internal.membership.PhiAccrualDetector;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The failure detector of one established connection: every frame from the peer tells a {@link PhiAccrualDetector}
 * that the peer is alive, and its Pings, which it sends once per heartbeat interval, teach the detector the
 * rhythm. A timer on the channel's event loop evaluates phi every tick (a tenth of the heartbeat interval, between
 * 10 and 100 ms): at the suspect threshold the node is told the peer is suspect, below it again that it
 * recovered, and at the down threshold the connection is closed with an idle-timeout Error, so the peer is DOWN and
 * both sides redial.
 *
 * <p>Silence is held against the peer only while this node could have heard it. While this node has stopped
 * reading the connection (its own store or listener is behind, see {@code InboundGate}) none of it counts; nor does
 * the time its own event loop did not run (a tick that comes more than a tick late means a garbage collection or a
 * starved thread here, and frames may be waiting unread), as Cassandra discounts its own pauses. Time comes from
 * the event loop's ticker, so tests drive it with {@code EmbeddedChannel.advanceTimeBy}.
 */
public final class FailureDetectorHandler extends ChannelInboundHandlerAdapter {

    private final ChannelSettings settings;
    private final MembershipEvents events;
    private PhiAccrualDetector detector;
    private ScheduledFuture<?> tick;
    private long tickNanos;
    private long lastTickNanos;
    private boolean suspected;
    private boolean down;

    public FailureDetectorHandler(ChannelSettings settings, MembershipEvents events) {
        this.settings = settings;
        this.events = events;
    }

    /** How often phi is evaluated for a heartbeat interval: a tenth of it, at least 10 ms and at most 100 ms. */
    static Duration tickFor(Duration heartbeatInterval) {
        long millis = Math.max(10, Math.min(100, heartbeatInterval.toMillis() / 10));
        return Duration.ofMillis(millis);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == SessionEstablished.INSTANCE && detector == null && ctx.channel().isActive()) {
            FailureDetection fd = settings.failureDetection();
            detector = new PhiAccrualDetector(fd.maxSamples(), fd.minStdDeviation(), fd.acceptablePause(),
                    settings.heartbeatInterval(), now(ctx));
            tickNanos = tickFor(settings.heartbeatInterval()).toNanos();
            lastTickNanos = now(ctx);
            tick = ctx.executor().scheduleWithFixedDelay(() -> evaluate(ctx), tickNanos, tickNanos, TimeUnit.NANOSECONDS);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Session session = ctx.channel().attr(Session.KEY).get();
        if (detector != null && session != null && !session.isClosing()) {
            long now = now(ctx);
            if (((Frame) msg).hasPing()) {
                detector.heartbeat(now);
            } else {
                detector.heard(now);
            }
            if (suspected && !down) {
                suspected = false;
                events.recovered(session);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void evaluate(ChannelHandlerContext ctx) {
        Session session = ctx.channel().attr(Session.KEY).get();
        if (down || session == null || !ctx.channel().isActive()) {
            return;
        }
        long now = now(ctx);
        long late = now - lastTickNanos - tickNanos;
        lastTickNanos = now;
        if (!ctx.channel().config().isAutoRead()) {
            detector.excuse(now);
            return;
        }
        if (late > tickNanos) {
            detector.pausedLocally(late, now);
        }
        double phi = detector.phi(now);
        FailureDetection fd = settings.failureDetection();
        if (phi >= fd.downThreshold()) {
            down = true;
            cancel();
            String reason = describe(now, phi) + ", at or over the down threshold " + fd.downThreshold();
            events.unreachable(session, reason);
            ctx.fireExceptionCaught(new ProtocolException(Error.Code.CODE_IDLE_TIMEOUT, "peer judged down: " + reason));
        } else if (phi >= fd.suspectThreshold() && !suspected) {
            suspected = true;
            events.suspected(session, describe(now, phi) + ", at or over the suspect threshold " + fd.suspectThreshold());
        }
    }

    private String describe(long now, double phi) {
        return String.format(Locale.ROOT, "nothing heard for %d ms (phi %.1f; heartbeats every %.0f ms ± %.0f ms)",
                TimeUnit.NANOSECONDS.toMillis(detector.silenceNanos(now)), phi, detector.meanNanos() / 1e6,
                detector.stdDeviationNanos() / 1e6);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (tick != null) {
            tick.cancel(false);
        }
    }

    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }
}
