package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both sides of the handshake share: the timeout, refusing with an Error frame, and stepping aside for the
 * session handlers once the handshake completes. Nothing read before completion travels further down the
 * pipeline.
 */
abstract class HandshakeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);

    protected final ChannelSettings settings;
    protected final HandshakeEvents events;
    private ScheduledFuture<?> timeout;
    private boolean done;
    private String tlsFailure;

    HandshakeHandler(ChannelSettings settings, HandshakeEvents events) {
        this.settings = settings;
        this.events = events;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (timeout != null || done) {
            return;
        }
        long millis = settings.handshakeTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> onTimeout(ctx, millis), millis, TimeUnit.MILLISECONDS);
        onStart(ctx);
    }

    /** Called once when the channel is active: the dialling side sends its Hello here. */
    protected void onStart(ChannelHandlerContext ctx) {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            return; // refused and closing: nothing more is read
        }
        onFrame(ctx, (Frame) msg);
    }

    protected abstract void onFrame(ChannelHandlerContext ctx, Frame frame);

    private void onTimeout(ChannelHandlerContext ctx, long millis) {
        if (!done) {
            refuse(ctx, Error.Code.CODE_HANDSHAKE_TIMEOUT, "handshake did not complete within " + millis + " ms");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!done) {
            done = true;
            cancelTimeout();
            onClosedDuringHandshake(ctx);
        }
        super.channelInactive(ctx);
    }

    /** The TLS handshake under this one failed: say why (the TLS handler closes the connection). */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess() && !done) {
            done = true;
            cancelTimeout();
            String reason = "TLS handshake with " + ctx.channel().remoteAddress() + " failed: " + tlsReason(tls.cause());
            log.warn("{}: {}", settings.self(), reason);
            onRefused(ctx, Error.Code.CODE_NOT_AUTHENTICATED, reason);
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    private static String tlsReason(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "the other side does not speak TLS";
        }
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof javax.net.ssl.SSLException)) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /**
     * A TLS failure before the handshake completed (with TLS 1.3 the dialling side learns that its certificate was
     * refused only from an alert after its own TLS handshake is done): kept as the reason the connection closed.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!done && tlsFailure == null && (cause instanceof javax.net.ssl.SSLException
                || cause.getCause() instanceof javax.net.ssl.SSLException)) {
            tlsFailure = tlsReason(cause);
        }
        ctx.fireExceptionCaught(cause);
    }

    /** What TLS said when the connection failed during the handshake, or null. */
    protected String tlsFailure() {
        return tlsFailure;
    }

    /**
     * Over TLS, refuses the peer unless its certificate names {@code claimed}; without TLS, or when this node does
     * not ask for the peer's certificate, accepts it.
     *
     * @return whether the handshake may go on
     */
    protected boolean authenticated(ChannelHandlerContext ctx, NodeId claimed, boolean certificateRequired) {
        if (settings.tls() == null || !certificateRequired) {
            return true;
        }
        String mismatch = TlsContexts.mismatch(ctx.channel(), claimed);
        if (mismatch != null) {
            refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, mismatch);
            return false;
        }
        return true;
    }

    /** The connection closed before the handshake completed. */
    protected void onClosedDuringHandshake(ChannelHandlerContext ctx) {
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    /** Ends the handshake with an Error frame and closes the connection; logs why on this side. */
    protected void refuse(ChannelHandlerContext ctx, Error.Code code, String reason) {
        done = true;
        cancelTimeout();
        if (isRoutine(code)) {
            log.debug("{}: closing connection {}: {}", settings.self(), ctx.channel().remoteAddress(), reason);
        } else {
            log.warn("{}: refusing connection {}: {}", settings.self(), ctx.channel().remoteAddress(), reason);
        }
        onRefused(ctx, code, reason);
        ctx.writeAndFlush(Frames.error(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Called when either side refuses; the dialling side reports it as a failed dial. */
    protected void onRefused(ChannelHandlerContext ctx, Error.Code code, String reason) {
    }

    /**
     * Refusals that are part of normal operation, logged at debug: the losing connection of two nodes that dialled
     * each other at once, and a node that dialled its own address (a seed or a DNS name listing it).
     */
    private static boolean isRoutine(Error.Code code) {
        return code == Error.Code.CODE_DUPLICATE_CONNECTION || code == Error.Code.CODE_DIALLED_SELF;
    }

    /** The other side sent an Error frame during the handshake: log it and close. */
    protected void refusedByPeer(ChannelHandlerContext ctx, Error error) {
        done = true;
        cancelTimeout();
        String reason = "refused by " + ctx.channel().remoteAddress() + ": " + PeerText.quote(error.getMessage())
                + " (" + error.getCode().name().replace("CODE_", "") + ")";
        if (isRoutine(error.getCode())) {
            log.debug("{}: {}", settings.self(), reason);
        } else {
            log.warn("{}: connection {}", settings.self(), reason);
        }
        onRefused(ctx, error.getCode(), reason);
        ctx.close();
    }

    /**
     * The handshake succeeded: mark the session authenticated if the peer proved who it is, install it, hand the
     * pipeline to the session handlers and start their timers. The idle handler only watches for silence (the heartbeat timeout); Pings go out on a timer of the
     * heartbeat handler's, busy link or not.
     */
    protected void complete(ChannelHandlerContext ctx, Session session, boolean authenticated) {
        done = true;
        cancelTimeout();
        if (authenticated) {
            session.markAuthenticated();
        }
        ctx.channel().attr(Session.KEY).set(session);
        session.touch(settings.clock().nowMicros());
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.replace(this, PipelineNames.IDLE, new IdleStateHandler(
                settings.heartbeatTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.fireUserEventTriggered(SessionEstablished.INSTANCE);
        events.established(session);
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    protected static String describe(Frame frame) {
        return Frames.kind(frame);
    }
}
