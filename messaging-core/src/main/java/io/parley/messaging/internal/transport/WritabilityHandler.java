package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.Limit;
import io.parley.messaging.proto.v1.Error;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a peer that does not read to what it already owes. When the connection turns unwritable (more than
 * {@code writeBufferHighWaterBytes} wait to be taken by the peer) the node stops reading from it, so the peer cannot
 * make it write more (no Pong, no ack); the heartbeat and gossip skip it, and its outbound stream writes no Envelope
 * ({@link TrafficEvents#writable} wakes the stream when it is writable again). Reading resumes once the waiting
 * bytes fall below the low water mark, unless something else holds it ({@link ReadPause}). A connection that stays
 * unwritable for {@code slowConsumerTimeout} is closed: an Error {@code CODE_SLOW_CONSUMER} is written, not waited
 * for (the peer is not reading), and the connection closed at once, with one log line.
 *
 * <p>Made per channel; its state belongs to the channel's event loop, and its timer runs there.
 */
public final class WritabilityHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(WritabilityHandler.class);

    private final ChannelSettings settings;
    private final TrafficEvents traffic;
    private ScheduledFuture<?> deadline;

    public WritabilityHandler(ChannelSettings settings, TrafficEvents traffic) {
        this.settings = settings;
        this.traffic = traffic;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            cancel();
            ReadPause.resume(ctx.channel(), ReadPause.Reason.UNWRITABLE);
            Session session = ctx.channel().attr(Session.KEY).get();
            if (session != null) {
                traffic.writable(session);
            }
        } else if (deadline == null && ctx.channel().isActive()) {
            settings.limitCounters().reached(Limit.WRITE_BUFFER_FULL);
            ReadPause.pause(ctx.channel(), ReadPause.Reason.UNWRITABLE);
            long nanos = settings.limits().slowConsumerTimeout().toNanos();
            deadline = ctx.executor().schedule(() -> timedOut(ctx), nanos, TimeUnit.NANOSECONDS);
        }
        super.channelWritabilityChanged(ctx);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        deadline = null;
        if (ctx.channel().isWritable() || !ctx.channel().isActive()) {
            return;
        }
        settings.limitCounters().reached(Limit.SLOW_CONSUMER);
        Session session = ctx.channel().attr(Session.KEY).get();
        String who = session != null ? session.peer() + " (" + ctx.channel().remoteAddress() + ")"
                : String.valueOf(ctx.channel().remoteAddress());
        String reason = "the peer read nothing of the " + pendingBytes(ctx.channel()) + " bytes waiting for it for "
                + settings.limits().slowConsumerTimeout().toMillis() + " ms";
        log.warn("{}: closing connection to {}: slow consumer: {}", settings.self(), who, reason);
        if (session != null) {
            session.markClosing();
        }
        ReadPause.pause(ctx.channel(), ReadPause.Reason.CLOSING);
        // Written for a peer that may yet read it, but not waited for: the buffer it joins is what stays unread.
        ctx.writeAndFlush(Frames.error(Error.Code.CODE_SLOW_CONSUMER, reason), ctx.voidPromise());
        ctx.close();
    }

    /** Bytes written to {@code channel} and not yet taken by the operating system; 0 once it is closed. */
    public static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
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
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
