package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.parley.messaging.proto.v1.Frame;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the wire order "this side's Resume before any Envelope" on one connection. The Resume is written from the
 * store thread once everything received before it is committed; the link starts sending Envelopes on the event
 * loop as soon as the peer's Resume arrives. When the store thread is the slower of the two (it is busy, or its
 * store is), Envelopes would overtake the Resume and the peer would close the connection. So Envelopes written
 * before the Resume wait here, in order, and follow it the moment it passes. They are at most a send window (the
 * link sends no more unacknowledged), and if the connection closes first they are dropped: the link sends them
 * again on the next connection, as it does everything unacknowledged.
 *
 * <p>Every other frame passes at once. One per channel; runs on the channel's event loop.
 */
public final class ResumeFirstHandler extends ChannelOutboundHandlerAdapter {

    private record Held(Object frame, ChannelPromise promise) {
    }

    private boolean resumed;
    private List<Held> held;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (resumed || !(msg instanceof Frame frame)) {
            ctx.write(msg, promise);
        } else if (frame.hasResume()) {
            resumed = true;
            ctx.write(msg, promise);
            release(ctx);
        } else if (frame.hasEnvelope()) {
            if (held == null) {
                held = new ArrayList<>();
            }
            held.add(new Held(msg, promise));
        } else {
            ctx.write(msg, promise);
        }
    }

    private void release(ChannelHandlerContext ctx) {
        if (held == null) {
            return;
        }
        for (Held h : held) {
            ctx.write(h.frame(), h.promise());
        }
        held = null;
        ctx.flush();
    }

    /** Envelopes written before the Resume and waiting for it, for tests. */
    int waiting() {
        return held == null ? 0 : held.size();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        drop();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        drop();
    }

    private void drop() {
        if (held != null) {
            IllegalStateException closed = new IllegalStateException("connection closed before this side's Resume was written");
            held.forEach(h -> h.promise().tryFailure(closed));
            held = null;
        }
    }
}
