package io.parley.messaging.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.parley.messaging.Limit;
import io.parley.messaging.proto.v1.Error;

/**
 * Splits the byte stream into frames (a 4-byte length, then that many bytes), at most {@code maxFrameBytes} each,
 * and refuses a frame longer than {@code maxControlFrameBytes} whose first byte is not an Envelope's tag as soon as
 * its length and first byte have arrived, before the rest is gathered: a 10 MB Gossip is never held in memory. The
 * exact check, that a long frame is one Envelope and nothing else, comes once it is whole
 * ({@link ControlFrameSizeLimiter}). Owned by the connection's event loop.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    /** The tag of Frame's envelope field: field 3, wire type 2 (length delimited). */
    private static final int ENVELOPE_TAG = 3 << 3 | 2;

    private final ChannelSettings settings;

    FrameDecoder(ChannelSettings settings) {
        super(settings.maxFrameBytes() + 4, 0, 4, 0, 4, true);
        this.settings = settings;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        int at = in.readerIndex();
        if (in.readableBytes() >= 5) {
            long length = in.getUnsignedInt(at);
            int first = in.getUnsignedByte(at + 4);
            if (length > settings.limits().maxControlFrameBytes() && length <= settings.maxFrameBytes()
                    && first != ENVELOPE_TAG) {
                in.skipBytes(in.readableBytes());
                settings.limitCounters().reached(Limit.CONTROL_FRAME_SIZE);
                throw new ProtocolException(Error.Code.CODE_FRAME_TOO_LARGE, "a frame of " + length + " bytes that is"
                        + " not one Envelope (its first field is number " + ((first & 0x7f) >> 3) + "); frames other than"
                        + " Envelopes may be at most " + settings.limits().maxControlFrameBytes() + " bytes");
            }
        }
        return super.decode(ctx, in);
    }
}
