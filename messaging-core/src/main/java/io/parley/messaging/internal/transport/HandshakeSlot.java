package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First in an accepted connection's pipeline: holds the connection's place among the handshakes in progress
 * ({@link ConnectionBudget}) and gives it back when the session is established or the connection closes, whichever
 * comes first, then steps aside. Owned by the connection's event loop.
 */
final class HandshakeSlot extends ChannelInboundHandlerAdapter {

    private final ConnectionBudget budget;
    private boolean released;

    HandshakeSlot(ConnectionBudget budget) {
        this.budget = budget;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == SessionEstablished.INSTANCE) {
            release();
            ctx.pipeline().remove(this);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release(); // the pipeline is torn down (closed before it was ever active), or the session began
    }

    private void release() {
        if (!released) {
            released = true;
            budget.handshakeEnded();
        }
    }
}
