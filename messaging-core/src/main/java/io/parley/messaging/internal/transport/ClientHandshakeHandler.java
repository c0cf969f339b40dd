package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Welcome;

/**
 * The dialling side of the handshake: sends Hello as soon as the connection is up and waits for Welcome (or
 * Error). When it dialled a known peer it checks that the node that answers is that one; when it dialled an
 * address without a known id (a seed, or an address found through DNS) the Welcome tells who is there.
 */
public final class ClientHandshakeHandler extends HandshakeHandler {

    private final NodeId expectedPeer;
    private boolean reported;

    /**
     * @param expectedPeer the node this connection is meant to reach, whose Welcome alone is accepted; null for an
     *     address whose node is not known yet
     */
    public ClientHandshakeHandler(ChannelSettings settings, HandshakeEvents events, NodeId expectedPeer) {
        super(settings, events);
        this.expectedPeer = expectedPeer;
    }

    @Override
    protected void onStart(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Frame.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(Frames.PROTOCOL_VERSION)
                .setCluster(settings.cluster())
                .setNodeId(settings.self().value())
                .setIncarnation(settings.incarnation())
                .setAdvertisedAddress(settings.advertisedAddress().get())
                .setSentAtMicros(settings.clock().nowMicros())
                .addAllMembers(events.members())).build());
    }

    @Override
    protected void onFrame(ChannelHandlerContext ctx, Frame frame) {
        if (frame.hasError()) {
            refusedByPeer(ctx, trusted(ctx, frame.getError()));
            return;
        }
        if (!frame.hasWelcome()) {
            refuse(ctx, Error.Code.CODE_HANDSHAKE_REQUIRED, "expected Welcome in answer to Hello, got " + describe(frame));
            return;
        }
        Welcome welcome = frame.getWelcome();
        if (welcome.getProtocolVersion() != Frames.PROTOCOL_VERSION) {
            refuse(ctx, Error.Code.CODE_UNSUPPORTED_VERSION, "peer answered with protocol version "
                    + welcome.getProtocolVersion() + "; this node speaks version " + Frames.PROTOCOL_VERSION);
            return;
        }
        if (expectedPeer != null && !welcome.getNodeId().equals(expectedPeer.value())) {
            refuse(ctx, Error.Code.CODE_PROTOCOL_VIOLATION, "dialled node '" + expectedPeer + "' at "
                    + ctx.channel().remoteAddress() + " but node " + PeerText.quote(welcome.getNodeId()) + " answered");
            return;
        }
        if (!NodeId.isValid(welcome.getNodeId())) {
            refuse(ctx, Error.Code.CODE_INVALID_NODE_ID, "node at " + ctx.channel().remoteAddress()
                    + " answered with an invalid node id");
            return;
        }
        PeerHello peer = new PeerHello(new NodeId(welcome.getNodeId()), welcome.getIncarnation(),
                welcome.getAdvertisedAddress(), welcome.getSentAtMicros(), welcome.getMembersList());
        if (!authenticated(ctx, peer.nodeId(), true)) {
            return;
        }
        if (settings.tls() != null) {
            peer = peer.proven();
        }
        Admission admission = events.confirm(peer, ctx.channel());
        if (!admission.admitted()) {
            refuse(ctx, admission.code(), admission.reason());
            return;
        }
        reported = true;
        complete(ctx, admission.session());
    }

    /**
     * Over TLS, a refusal whose code would make this node change course (stop dialling an address it takes for its
     * own, give up a dial) counts only from a node whose certificate says who it is: this node itself for
     * "dialled self", the peer it dialled for the rest. From any other node it is a plain failure, dialled again.
     */
    private Error trusted(ChannelHandlerContext ctx, Error error) {
        if (settings.tls() == null || error.getCode() == Error.Code.CODE_UNSPECIFIED) {
            return error;
        }
        NodeId claimed = error.getCode() == Error.Code.CODE_DIALLED_SELF ? settings.self() : expectedPeer;
        if (claimed == null || TlsContexts.mismatch(ctx.channel(), claimed) == null) {
            return error;
        }
        return error.toBuilder().setCode(Error.Code.CODE_UNSPECIFIED)
                .setMessage(PeerText.clean(error.getMessage()) + " (" + error.getCode().name().replace("CODE_", "")
                        + " from a node whose certificate does not show it is " + claimed + ")").build();
    }

    @Override
    protected void onRefused(ChannelHandlerContext ctx, Error.Code code, String reason) {
        report(ctx, code, reason);
    }

    @Override
    protected void onClosedDuringHandshake(ChannelHandlerContext ctx) {
        String where = (expectedPeer != null ? expectedPeer + " at " : "") + ctx.channel().remoteAddress();
        if (tlsFailure() != null) {
            report(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "TLS with " + where + " failed: " + tlsFailure());
        } else {
            report(ctx, Error.Code.CODE_UNSPECIFIED, "connection to " + where + " closed during the handshake");
        }
    }

    private void report(ChannelHandlerContext ctx, Error.Code code, String reason) {
        if (!reported) {
            reported = true;
            events.dialFailed(expectedPeer, ctx.channel(), code, reason);
        }
    }
}
