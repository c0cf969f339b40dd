package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;

/**
 * Hands each Envelope of an established session to the node, stamped with this node's clock at arrival, after
 * checking the fields the node relies on. Storing, dedupe and the ack happen off the event loop.
 */
@ChannelHandler.Sharable
public final class EnvelopeHandler extends ChannelInboundHandlerAdapter {

    private final WallClock clock;
    private final TrafficEvents events;

    public EnvelopeHandler(WallClock clock, TrafficEvents events) {
        this.clock = clock;
        this.events = events;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (!frame.hasEnvelope()) {
            ctx.fireChannelRead(msg);
            return;
        }
        long now = clock.nowMicros();
        Session session = ctx.channel().attr(Session.KEY).get();
        if (!session.peerResumed()) {
            throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "an Envelope before the peer's Resume");
        }
        Envelope envelope = frame.getEnvelope();
        if (envelope.getSeq() <= 0) {
            throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "envelope seq must be at least 1, got "
                    + Long.toUnsignedString(envelope.getSeq()));
        }
        Frames.uuid(envelope.getMessageId()); // throws if not 16 bytes
        if (Long.compareUnsigned(envelope.getPreviousSeq(), envelope.getSeq()) >= 0) {
            throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "envelope seq " + envelope.getSeq()
                    + " follows " + Long.toUnsignedString(envelope.getPreviousSeq()) + ", which is not before it");
        }
        if (!envelope.hasHlc()) {
            throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "envelope seq " + envelope.getSeq() + " has no hlc");
        }
        events.envelope(session, envelope, now);
    }
}
