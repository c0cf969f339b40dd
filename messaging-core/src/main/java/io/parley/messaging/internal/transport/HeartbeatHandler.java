package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Pong;
import java.util.concurrent.TimeUnit;

/**
 * Heartbeats of an established link: records when the peer was last heard from, sends a Ping once per heartbeat
 * interval from the moment the session is established, answers Pings with Pongs, and closes the connection when
 * nothing at all arrived for the heartbeat timeout (the {@code idle} handler in front measures that).
 *
 * <p>While the connection is unwritable (the peer does not read what it is sent) neither Pings nor Pongs are
 * written: they would only pile up.
 *
 * <p>Pings go out at that steady rhythm on busy links too, not only on idle ones: the peer's failure detector
 * learns the rhythm from them, and every Pong is a clock sample. A Ping costs some 20 bytes a second per link.
 */
public final class HeartbeatHandler extends ChannelInboundHandlerAdapter {

    private final ChannelSettings settings;
    private final TrafficEvents events;
    private long nextNonce;
    private ScheduledFuture<?> pings;

    public HeartbeatHandler(ChannelSettings settings, TrafficEvents events) {
        this.settings = settings;
        this.events = events;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Session session = ctx.channel().attr(Session.KEY).get();
        if (session != null && session.isClosing()) {
            return; // decoded from the same read as a frame that broke the protocol: not acted on
        }
        long now = settings.clock().nowMicros();
        if (session != null) {
            session.touch(now);
        }
        Frame frame = (Frame) msg;
        switch (frame.getBodyCase()) {
            case PING -> {
                if (!ctx.channel().isWritable()) {
                    return; // the peer does not read what it is sent: a Pong would only pile up (see WritabilityHandler)
                }
                Ping ping = frame.getPing();
                ctx.writeAndFlush(Frame.newBuilder().setPong(Pong.newBuilder()
                        .setNonce(ping.getNonce())
                        .setPingSentAtMicros(ping.getSentAtMicros())
                        .setReceivedAtMicros(now)
                        .setSentAtMicros(settings.clock().nowMicros())).build(), ctx.voidPromise());
            }
            case PONG -> {
                if (session != null) {
                    events.pong(session, frame.getPong(), now);
                }
            }
            default -> ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == SessionEstablished.INSTANCE) {
            startPinging(ctx);
        } else if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE && ctx.channel().config().isAutoRead()) {
                // While this node has stopped reading (its store or listener is behind) silence proves nothing.
                throw new ProtocolException(Error.Code.CODE_IDLE_TIMEOUT, "nothing heard from the peer for "
                        + settings.heartbeatTimeout().toMillis() + " ms");
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void startPinging(ChannelHandlerContext ctx) {
        if (pings == null && ctx.channel().isActive()) {
            long interval = settings.heartbeatInterval().toNanos();
            pings = ctx.executor().scheduleWithFixedDelay(() -> ping(ctx), interval, interval, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stopPinging();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopPinging();
    }

    private void stopPinging() {
        if (pings != null) {
            pings.cancel(false);
        }
    }

    private void ping(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            stopPinging();
            return;
        }
        if (!ctx.channel().isWritable()) {
            return; // skipped: the peer is not reading, and its failure detector excuses what it does not read
        }
        ctx.writeAndFlush(Frame.newBuilder().setPing(Ping.newBuilder()
                .setNonce(++nextNonce)
                .setSentAtMicros(settings.clock().nowMicros())).build(), ctx.voidPromise());
    }
}
