package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.proto.v1.Frame;

/** Hands each AckBatch of an established session to the node, with the arrival time on both clocks. */
@ChannelHandler.Sharable
public final class AckHandler extends ChannelInboundHandlerAdapter {

    private final WallClock clock;
    private final TrafficEvents events;

    public AckHandler(WallClock clock, TrafficEvents events) {
        this.clock = clock;
        this.events = events;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (!frame.hasAckBatch()) {
            ctx.fireChannelRead(msg);
            return;
        }
        events.acks(ctx.channel().attr(Session.KEY).get(), frame.getAckBatch(), clock.nowMicros(), System.nanoTime());
    }
}
