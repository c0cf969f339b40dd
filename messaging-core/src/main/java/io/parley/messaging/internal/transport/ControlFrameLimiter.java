package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.parley.messaging.Limit;
import io.parley.messaging.internal.LogLimiter;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the frames a peer has no reason to flood: Pings (an honest peer sends one a heartbeat interval) and Gossip
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
    static final int FLOOD_FACTOR = 10;

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
        Bucket bucket = msg instanceof Frame f ? switch (f.getBodyCase()) {
            case PING -> pings;
            case GOSSIP -> gossip;
            default -> null;
        } : null;
        if (bucket == null || bucket.take(nanoTime.getAsLong())) {
            ctx.fireChannelRead(msg);
            return;
        }
        Frame frame = (Frame) msg;
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
