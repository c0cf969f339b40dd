package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Frame;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the {@link PendingAck}s written between two flushes into one AckBatch frame, so that a burst of
 * messages costs one ack frame rather than one each. A batch that reaches {@link #MAX_ACKS_PER_FRAME} is
 * written at once, which bounds the frame's size. Every other write passes through untouched.
 *
 * <p>Acks are written even while the connection is unwritable: none is lost, and they cannot pile up, as the node
 * stops reading an unwritable connection ({@link WritabilityHandler}), so only messages read before that are acked.
 */
public final class AckCoalescingEncoder extends ChannelOutboundHandlerAdapter {

    /** Most acks in one frame (about 40 bytes each). */
    public static final int MAX_ACKS_PER_FRAME = 4096;

    private final WallClock clock;
    private ArrayList<PendingAck> pending = new ArrayList<>();

    public AckCoalescingEncoder(WallClock clock) {
        this.clock = clock;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!(msg instanceof PendingAck ack)) {
            ctx.write(msg, promise);
            return;
        }
        pending.add(ack);
        promise.trySuccess();
        if (pending.size() >= MAX_ACKS_PER_FRAME) {
            writeBatch(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
        writeBatch(ctx);
        ctx.flush();
    }

    private void writeBatch(ChannelHandlerContext ctx) {
        if (pending.isEmpty()) {
            return;
        }
        long now = clock.nowMicros();
        List<Ack> acks = new ArrayList<>(pending.size());
        for (PendingAck a : pending) {
            Ack.Builder b = Ack.newBuilder()
                    .setSeq(a.seq())
                    .setReceiverTimeMicros(a.receiverTimeMicros())
                    .setHlc(Frames.hlc(a.hlc()))
                    .setStatus(a.status())
                    .setAckedAtMicros(now);
            if (a.reason() != null && !a.reason().isEmpty()) {
                b.setReason(a.reason());
            }
            acks.add(b.build());
        }
        pending = new ArrayList<>();
        ctx.write(Frame.newBuilder().setAckBatch(AckBatch.newBuilder().addAllAcks(acks)).build(), ctx.voidPromise());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        pending = new ArrayList<>(); // acks not yet sent are re-sent when the peer retransmits the messages
    }
}
