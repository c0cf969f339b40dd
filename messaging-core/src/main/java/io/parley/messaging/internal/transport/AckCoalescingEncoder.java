package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Frame;

/**
 * Gathers the {@link PendingAck}s written between two flushes into one AckBatch frame, so that a burst of
 * messages costs one ack frame rather than one each. A batch that reaches {@link #MAX_ACKS_PER_FRAME} is
 * written at once, which bounds the frame's size. Every other write passes through untouched.
 */
public final class AckCoalescingEncoder extends ChannelOutboundHandlerAdapter {

    /** Most acks in one frame (about 40 bytes each). */
    public static final int MAX_ACKS_PER_FRAME = 4096;

    private final WallClock clock;
    private AckBatch.Builder batch;

    public AckCoalescingEncoder(WallClock clock) {
        this.clock = clock;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!(msg instanceof PendingAck ack)) {
            ctx.write(msg, promise);
            return;
        }
        if (batch == null) {
            batch = AckBatch.newBuilder();
        }
        Ack.Builder b = batch.addAcksBuilder()
                .setSeq(ack.seq())
                .setReceiverTimeMicros(ack.receiverTimeMicros())
                .setHlc(Frames.hlc(ack.hlc()))
                .setStatus(ack.status());
        if (ack.reason() != null && !ack.reason().isEmpty()) {
            b.setReason(ack.reason());
        }
        promise.trySuccess();
        if (batch.getAcksCount() >= MAX_ACKS_PER_FRAME) {
            writeBatch(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
        writeBatch(ctx);
        ctx.flush();
    }

    private void writeBatch(ChannelHandlerContext ctx) {
        if (batch == null || batch.getAcksCount() == 0) {
            return;
        }
        long now = clock.nowMicros();
        for (Ack.Builder a : batch.getAcksBuilderList()) {
            a.setAckedAtMicros(now);
        }
        Frame frame = Frame.newBuilder().setAckBatch(batch).build();
        batch = null;
        ctx.write(frame, ctx.voidPromise());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        batch = null; // acks not yet sent are re-sent when the peer retransmits the messages
    }
}
