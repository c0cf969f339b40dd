package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.internal.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session-level frames of an established session: its Resume, Gossip about members, a Goodbye (the peer leaves
 * on purpose), an Error (the peer gives up on this connection), a frame that has no place after the handshake, and
 * the connection closing. Goodbyes, gossip and the close go to membership; the Resume and the close to delivery.
 */
@ChannelHandler.Sharable
public final class SessionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final ChannelSettings settings;
    private final MembershipEvents membership;
    private final TrafficEvents traffic;

    public SessionHandler(ChannelSettings settings, MembershipEvents membership, TrafficEvents traffic) {
        this.settings = settings;
        this.membership = membership;
        this.traffic = traffic;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        Session session = ctx.channel().attr(Session.KEY).get();
        switch (frame.getBodyCase()) {
            case GOODBYE -> {
                String reason = PeerText.clean(frame.getGoodbye().getReason());
                log.info("{}: {} is leaving: {}", settings.self(), session.peer(), reason);
                membership.goodbye(session, reason);
                ctx.close();
            }
            case ERROR -> {
                Error error = frame.getError();
                if (error.getCode() == Error.Code.CODE_DUPLICATE_CONNECTION) {
                    log.debug("{}: {} closed a duplicate connection: {}", settings.self(), session.peer(),
                            PeerText.quote(error.getMessage()));
                } else {
                    long skipped = settings.limitCounters().logs().permit("peer-error");
                    if (skipped >= 0) {
                        log.warn("{}: {} closed the connection: {} ({}){}", settings.self(), session.peer(),
                                PeerText.quote(error.getMessage()), error.getCode().name().replace("CODE_", ""),
                                LogLimiter.skipped(skipped));
                    }
                }
                ctx.close();
            }
            case RESUME -> {
                if (session.peerResumed()) {
                    throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION, "a second Resume on one connection");
                }
                session.markPeerResumed();
                traffic.resume(session, frame.getResume());
            }
            case GOSSIP -> membership.gossip(session, frame.getGossip());
            case HELLO -> throw new ProtocolException(Error.Code.CODE_HANDSHAKE_REQUIRED,
                    "a second Hello on a connection whose handshake is complete");
            default -> throw new ProtocolException(Error.Code.CODE_PROTOCOL_VIOLATION,
                    "unexpected " + Frames.kind(frame) + " frame after the handshake");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Session session = ctx.channel().attr(Session.KEY).get();
        if (session != null) {
            membership.closed(session);
            traffic.sessionEnded(session);
        }
        super.channelInactive(ctx);
    }
}
