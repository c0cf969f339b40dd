package io.parley.messaging.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.parley.messaging.Limit;
import io.parley.messaging.proto.v1.Error;

/**
 * Lets a frame longer than {@link io.parley.messaging.Limits#maxControlFrameBytes()} through only if it is one
 * Envelope and nothing else: a Hello, a Gossip or any other frame that long is refused with
 * {@code CODE_FRAME_TOO_LARGE} before it is parsed (parsed, a frame of a few megabytes of members is many times that
 * in objects). It reads the frame's bytes, not a Frame: the first field must be the Envelope (field 3, length
 * delimited) and its length must cover the rest of the frame exactly, so no field after it can stand in for it.
 *
 * <p>Stateless; one instance serves every channel of the node.
 */
@io.netty.channel.ChannelHandler.Sharable
final class ControlFrameSizeLimiter extends ChannelInboundHandlerAdapter {

    /** The tag of Frame's envelope field: field 3, wire type 2 (length delimited). */
    private static final int ENVELOPE_TAG = 3 << 3 | 2;

    private final ChannelSettings settings;

    ControlFrameSizeLimiter(ChannelSettings settings) {
        this.settings = settings;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf frame && frame.readableBytes() > settings.limits().maxControlFrameBytes()
                && !isLoneEnvelope(frame)) { // never more than maxFrameBytes: the frame decoder refuses those first
            int length = frame.readableBytes();
            int field = (frame.getUnsignedByte(frame.readerIndex()) & 0x7f) >> 3;
            ReferenceCountUtil.release(frame);
            settings.limitCounters().reached(Limit.CONTROL_FRAME_SIZE);
            throw new ProtocolException(Error.Code.CODE_FRAME_TOO_LARGE, "a frame of " + length + " bytes that is not"
                    + " one Envelope (its first field is number " + field + "); frames other than Envelopes may be at most "
                    + settings.limits().maxControlFrameBytes() + " bytes");
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether {@code frame} is exactly one Envelope field: its tag, its length, and that many bytes. */
    static boolean isLoneEnvelope(ByteBuf frame) {
        int i = frame.readerIndex();
        int end = frame.writerIndex();
        if (i >= end || frame.getUnsignedByte(i++) != ENVELOPE_TAG) {
            return false;
        }
        long length = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (i >= end) {
                return false;
            }
            int b = frame.getUnsignedByte(i++);
            length |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return length == end - i;
            }
        }
        return false;
    }
}
