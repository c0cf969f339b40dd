package io.parley.messaging.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.parley.messaging.Limit;
import io.parley.messaging.internal.LogLimiter;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the frames a peer has no reason to flood, before they are parsed (it reads a frame's bytes, after the size
 * check): Pings (an honest peer sends one a heartbeat interval) and Gossip
 * (one a gossip interval). Pings have a token bucket of {@link io.parley.messaging.Limits#maxControlFramesPerSecond()}
 * tokens, refilled at that rate, Gossip one of a quarter of that; a frame that finds its bucket empty is dropped unanswered and counted
 * ({@link Limit#CONTROL_FRAME_RATE}), the first drop on a connection logged (at most one line every 10 s for the
 * node). A connection that sends {@value #FLOOD_FACTOR} times the rate of dropped frames in a row is closed with
 * {@code CODE_RATE_LIMITED}. Every other frame passes untouched.
 *
 * <p>Owned by the connection's event loop.
 */
final class ControlFrameLimiter extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ControlFrameLimiter.class);

    /** Dropped frames in a row, in seconds' worth of the rate, after which the connection is closed. */
    static final int FLOOD_FACTOR = 2;

    private final ChannelSettings settings;
    private final LongSupplier nanoTime;
    private final Bucket pings;
    private final Bucket gossip;
    private boolean logged;

    ControlFrameLimiter(ChannelSettings settings) {
        this(settings, System::nanoTime);
    }

    /** {@code nanoTime}: a monotonic clock, for tests. */
    ControlFrameLimiter(ChannelSettings settings, LongSupplier nanoTime) {
        this.settings = settings;
        this.nanoTime = nanoTime;
        int rate = settings.limits().maxControlFramesPerSecond();
        long now = nanoTime.getAsLong();
        this.pings = new Bucket(rate, now);
        this.gossip = new Bucket(Math.max(1, rate / 4), now); // one a gossip interval; each may be a frame of members
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int field = msg instanceof ByteBuf frame ? kind(frame) : msg instanceof Frame f ? f.getBodyCase().getNumber() : 0;
        Bucket bucket = field == Frame.PING_FIELD_NUMBER ? pings : field == Frame.GOSSIP_FIELD_NUMBER ? gossip : null;
        if (bucket == null || bucket.take(nanoTime.getAsLong())) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg); // dropped before it is parsed: a dropped frame costs no objects
        settings.limitCounters().reached(Limit.CONTROL_FRAME_RATE);
        int rate = bucket.rate;
        String what = (bucket == pings ? "Ping" : "Gossip") + " frames";
        if (bucket.droppedInARow > (long) FLOOD_FACTOR * rate) {
            throw new ProtocolException(Error.Code.CODE_RATE_LIMITED, "more than " + FLOOD_FACTOR * rate + " " + what
                    + " beyond the limit of " + rate + " a second, in a row");
        }
        if (!logged) {
            logged = true;
            long skipped = settings.limitCounters().logs().permit("control-frame-rate");
            if (skipped >= 0) {
                log.warn("{}: dropping {} from {} beyond {} a second{}", settings.self(), what,
                        ctx.channel().remoteAddress(), rate, LogLimiter.skipped(skipped));
            }
        }
    }

    /**
     * The kind of frame {@code frame}'s bytes are, by the number of the Frame field that protobuf will keep: the last
     * one (a later field of a oneof replaces an earlier one, so a small field in front cannot disguise a Gossip); 0 if
     * the bytes do not walk as fields (the protobuf decoder then refuses them).
     */
    static int kind(ByteBuf frame) {
        int i = frame.readerIndex();
        int end = frame.writerIndex();
        int last = 0;
        while (i < end) {
            long tag = 0;
            int shift = 0;
            int b;
            do {
                if (i >= end || shift > 28) {
                    return 0;
                }
                b = frame.getUnsignedByte(i++);
                tag |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            int wireType = (int) (tag & 7);
            if (wireType == 0) { // varint
                do {
                    if (i >= end) {
                        return 0;
                    }
                    b = frame.getUnsignedByte(i++);
                } while ((b & 0x80) != 0);
            } else if (wireType == 2) { // length delimited
                long length = 0;
                shift = 0;
                do {
                    if (i >= end || shift > 28) {
                        return 0;
                    }
                    b = frame.getUnsignedByte(i++);
                    length |= (long) (b & 0x7f) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                if (length > end - i) {
                    return 0;
                }
                i += (int) length;
            } else if (wireType == 1) {
                i += 8;
            } else if (wireType == 5) {
                i += 4;
            } else {
                return 0;
            }
            last = (int) (tag >>> 3);
        }
        return i == end ? last : 0;
    }

    /** A token bucket of {@code rate} tokens refilled at {@code rate} a second; counts refusals in a row. */
    private static final class Bucket {
        final int rate;
        private double tokens;
        private long lastNanos;
        long droppedInARow;

        Bucket(int rate, long now) {
            this.rate = rate;
            this.tokens = rate;
            this.lastNanos = now;
        }

        boolean take(long now) {
            tokens = Math.min(rate, tokens + (now - lastNanos) * rate / 1e9);
            lastNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                droppedInARow = 0;
                return true;
            }
            droppedInARow++;
            return false;
        }
    }
}
