package io.parley.messaging.internal.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Error;
import java.io.IOException;
import javax.net.ssl.SSLException;
import io.parley.messaging.internal.LogLimiter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler: turns any failure on a connection into one log line, an Error frame telling the peer why,
 * and the close of that connection only. The node goes on serving every other connection.
 */
@ChannelHandler.Sharable
public final class ExceptionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ExceptionHandler.class);

    /** Longest the Error frame of a failed connection may take to go out before the connection is closed anyway. */
    static final long CLOSE_GRACE_MILLIS = 1_000;

    private final NodeId self;
    private final LogLimiter logs;

    /** @param logs bounds the lines a peer's failures write */
    public ExceptionHandler(NodeId self, LogLimiter logs) {
        this.self = self;
        this.logs = logs;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            return;
        }
        String who = describePeer(ctx);
        if (cause instanceof IOException) {
            log.debug("{}: connection {} failed: {}", self, who, cause.toString());
            ctx.close();
            return;
        }
        Error.Code code;
        String reason;
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof SSLException || cause instanceof NotSslRecordException) {
            // The TLS handler closes the connection; an Error frame could not get through it. A failed TLS
            // handshake is logged by the handshake handler, which also reports it as a failed dial.
            if (ctx.channel().attr(Session.KEY).get() != null) {
                log.warn("{}: closing connection {}: TLS failed: {}", self, who, root.getMessage());
            } else {
                log.debug("{}: TLS failed on connection {}: {}", self, who, root.toString());
            }
            ctx.close();
            return;
        }
        if (root instanceof ProtocolException p) {
            code = p.code();
            reason = p.getMessage();
        } else if (root instanceof TooLongFrameException) {
            code = Error.Code.CODE_FRAME_TOO_LARGE;
            reason = "frame exceeds the maximum frame size: " + root.getMessage();
        } else if (root instanceof InvalidProtocolBufferException) {
            code = Error.Code.CODE_MALFORMED_FRAME;
            reason = "bytes do not parse as a frame: " + root.getMessage();
        } else {
            code = Error.Code.CODE_INTERNAL;
            reason = "internal error: " + cause;
            log.error("{}: closing connection {} after an unexpected failure", self, who, cause);
        }
        if (code != Error.Code.CODE_INTERNAL) {
            long skipped = logs.permit("closing-" + code);
            if (skipped >= 0) {
                log.warn("{}: closing connection {}: {}{}", self, who, reason, LogLimiter.skipped(skipped));
            }
        }
        Session session = ctx.channel().attr(Session.KEY).get();
        if (session != null) {
            session.markClosing();
        }
        ReadPause.pause(ctx.channel(), ReadPause.Reason.CLOSING);
        ctx.writeAndFlush(Frames.error(code, reason)).addListener(ChannelFutureListener.CLOSE);
        // A peer that does not read would keep the Error, and the connection, waiting: it gets a moment, no more.
        ctx.executor().schedule(() -> {
            ctx.close();
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A frame that no handler took: only possible before a session handler chain is installed.
        exceptionCaught(ctx, new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "unexpected frame " + msg.getClass().getSimpleName()));
    }

    private static String describePeer(ChannelHandlerContext ctx) {
        Session session = ctx.channel().attr(Session.KEY).get();
        return session != null ? "to " + session.peer() + " (" + ctx.channel().remoteAddress() + ")"
                : "from " + ctx.channel().remoteAddress();
    }
}
