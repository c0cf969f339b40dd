package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelHandlerContext;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Welcome;

/**
 * The accepting side of the handshake: waits for a Hello, checks version, cluster and identity, asks the node to
 * admit the peer, and answers Welcome (with the members this node is connected to) or Error.
 */
public final class ServerHandshakeHandler extends HandshakeHandler {

    public ServerHandshakeHandler(ChannelSettings settings, HandshakeEvents events) {
        super(settings, events);
    }

    @Override
    protected void onFrame(ChannelHandlerContext ctx, Frame frame) {
        if (!frame.hasHello()) {
            refuse(ctx, Error.Code.CODE_HANDSHAKE_REQUIRED, "expected Hello as the first frame, got " + describe(frame));
            return;
        }
        Hello hello = frame.getHello();
        if (hello.getProtocolVersion() != Frames.PROTOCOL_VERSION) {
            refuse(ctx, Error.Code.CODE_UNSUPPORTED_VERSION, "protocol version " + hello.getProtocolVersion()
                    + " is not supported; this node speaks version " + Frames.PROTOCOL_VERSION);
            return;
        }
        if (!hello.getCluster().equals(settings.cluster())) {
            refuse(ctx, Error.Code.CODE_WRONG_CLUSTER, "node " + PeerText.quote(hello.getNodeId()) + " is in cluster "
                    + PeerText.quote(hello.getCluster()) + " but this node is in cluster " + PeerText.quote(settings.cluster()));
            return;
        }
        if (!NodeId.isValid(hello.getNodeId())) {
            refuse(ctx, Error.Code.CODE_INVALID_NODE_ID, "invalid node id in Hello: "
                    + invalidReason(hello.getNodeId()));
            return;
        }
        PeerHello peer = new PeerHello(new NodeId(hello.getNodeId()), hello.getIncarnation(),
                hello.getAdvertisedAddress(), hello.getSentAtMicros(), hello.getMembersList());
        boolean certificateRequired = settings.tls() != null && settings.tls().mutual();
        if (!authenticated(ctx, peer.nodeId(), certificateRequired)) {
            return;
        }
        if (certificateRequired) {
            peer = peer.proven();
        }
        Admission admission = events.admit(peer, ctx.channel());
        if (!admission.admitted()) {
            refuse(ctx, admission.code(), admission.reason());
            return;
        }
        ctx.writeAndFlush(Frame.newBuilder().setWelcome(Welcome.newBuilder()
                .setProtocolVersion(Frames.PROTOCOL_VERSION)
                .setNodeId(settings.self().value())
                .setIncarnation(settings.incarnation())
                .setAdvertisedAddress(settings.advertisedAddress().get())
                .setSentAtMicros(settings.clock().nowMicros())
                .addAllMembers(events.members())).build());
        complete(ctx, admission.session());
    }

    private static String invalidReason(String id) {
        try {
            new NodeId(id);
            return id;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
