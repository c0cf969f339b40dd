package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Pong;

/**
 * Liveness of an established link: records when the peer was last heard from, sends a Ping when the link has
 * been quiet for the heartbeat interval, answers Pings with Pongs, and closes the connection when nothing at
 * all arrived for the heartbeat timeout (the {@code idle} handler in front measures both).
 *
 * <p>Answering a Pong counts as writing, so on a link where only the peer pings this side would never ping and
 * never get a clock sample of its own. So a Ping is also answered with a Ping of this side's when it has sent
 * none for the interval.
 */
public final class HeartbeatHandler extends ChannelInboundHandlerAdapter {

    private final ChannelSettings settings;
    private final SessionEvents events;
    private long nextNonce;
    private long lastPingNanos;
    private boolean pinged;

    public HeartbeatHandler(ChannelSettings settings, SessionEvents events) {
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
                Ping ping = frame.getPing();
                ctx.writeAndFlush(Frame.newBuilder().setPong(Pong.newBuilder()
                        .setNonce(ping.getNonce())
                        .setPingSentAtMicros(ping.getSentAtMicros())
                        .setReceivedAtMicros(now)
                        .setSentAtMicros(settings.clock().nowMicros())).build(), ctx.voidPromise());
                if (!pinged || ctx.executor().ticker().nanoTime() - lastPingNanos >= settings.heartbeatInterval().toNanos()) {
                    ping(ctx);
                }
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
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                ping(ctx);
            } else if (idle.state() == IdleState.READER_IDLE && ctx.channel().config().isAutoRead()) {
                // While this node has stopped reading (its store or listener is behind) silence proves nothing.
                throw new ProtocolException(Error.Code.CODE_IDLE_TIMEOUT, "nothing heard from the peer for "
                        + settings.heartbeatTimeout().toMillis() + " ms");
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void ping(ChannelHandlerContext ctx) {
        pinged = true;
        lastPingNanos = ctx.executor().ticker().nanoTime();
        ctx.writeAndFlush(Frame.newBuilder().setPing(Ping.newBuilder()
                .setNonce(++nextNonce)
                .setSentAtMicros(settings.clock().nowMicros())).build(), ctx.voidPromise());
    }
}
