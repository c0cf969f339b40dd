package io.parley.messaging.internal.transport;

import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.parley.messaging.proto.v1.Frame;
import java.io.IOException;

/**
 * Writes a {@link Frame} as the wire wants it: a 4-byte big-endian length, then the serialized frame, straight
 * into one pooled buffer. (Netty's ProtobufEncoder and LengthFieldPrepender do the same in two steps, with a heap
 * array and a second buffer per frame.)
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToByteEncoder<Frame> {

    public FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Frame frame, boolean preferDirect) {
        int size = 4 + frame.getSerializedSize();
        return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) throws IOException {
        int size = frame.getSerializedSize();
        out.writeInt(size);
        CodedOutputStream cos = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
        frame.writeTo(cos);
        cos.checkNoSpaceLeft();
        out.writerIndex(out.writerIndex() + size);
    }
}
