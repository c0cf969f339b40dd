package io.parley.messaging.internal.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Challenge;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Welcome;

/**
 * The accepting side of the handshake: waits for a Hello, checks version, cluster and identity, asks the node to
 * admit the peer, and answers Welcome (with the members this node is connected to) or Error.
 *
 * <p>With a cluster secret, the Hello must carry a nonce; this side answers it with a Challenge (its own nonce and
 * proof) and admits the peer only once the peer's Proof is right: until then nothing of the peer reaches
 * membership or delivery. Without a secret, a Hello with a nonce is refused. State is the channel's event loop's.
 */
public final class ServerHandshakeHandler extends HandshakeHandler {

    private PeerHello awaitingProof; // the Hello a Challenge answered, until the Proof comes
    private ClusterSecret.Exchange exchange;

    public ServerHandshakeHandler(ChannelSettings settings, HandshakeEvents events) {
        super(settings, events);
    }

    @Override
    protected void onFrame(ChannelHandlerContext ctx, Frame frame) {
        if (exchange != null) {
            onProof(ctx, frame);
            return;
        }
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
        boolean certified = settings.tls() != null && settings.tls().mutual();
        if (!authenticated(ctx, new NodeId(hello.getNodeId()), certified)) {
            return;
        }
        PeerHello peer = new PeerHello(new NodeId(hello.getNodeId()), hello.getIncarnation(),
                hello.getAdvertisedAddress(), hello.getSentAtMicros(), hello.getMembersList(), certified);
        ClusterSecret secret = settings.secret();
        if (secret == null) {
            if (!hello.getNonce().isEmpty()) {
                refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "node '" + peer.nodeId() + "' uses a cluster secret but"
                        + " this node has no cluster secret; give every node of the cluster the same one, or none");
                return;
            }
            admit(ctx, peer);
        } else {
            challenge(ctx, secret, hello, peer);
        }
    }

    /** With a secret: prove it to the dialler, and wait for its proof. */
    private void challenge(ChannelHandlerContext ctx, ClusterSecret secret, Hello hello, PeerHello peer) {
        if (hello.getNonce().isEmpty()) {
            refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "this node requires a cluster secret, and node '"
                    + peer.nodeId() + "' has none (its Hello carries no nonce)");
            return;
        }
        if (hello.getNonce().size() != ClusterSecret.NONCE_BYTES) {
            refuse(ctx, Error.Code.CODE_PROTOCOL_VIOLATION, "the Hello's nonce must be " + ClusterSecret.NONCE_BYTES
                    + " bytes, got " + hello.getNonce().size());
            return;
        }
        ByteString nonce = secret.nonce();
        exchange = new ClusterSecret.Exchange(settings.cluster(), hello.getNodeId(), hello.getIncarnation(),
                settings.self().value(), settings.incarnation(), hello.getNonce(), nonce);
        awaitingProof = peer;
        ctx.writeAndFlush(Frame.newBuilder().setChallenge(Challenge.newBuilder()
                .setNodeId(settings.self().value())
                .setIncarnation(settings.incarnation())
                .setNonce(nonce)
                .setProof(secret.acceptorProof(exchange))).build());
    }

    /** The frame after a Challenge: the dialler's Proof, or its Error if it did not take this node's proof. */
    private void onProof(ChannelHandlerContext ctx, Frame frame) {
        if (frame.hasError()) {
            refusedByPeer(ctx, frame.getError());
            return;
        }
        if (!frame.hasProof()) {
            refuse(ctx, Error.Code.CODE_HANDSHAKE_REQUIRED, "expected Proof in answer to Challenge, got " + describe(frame));
            return;
        }
        ByteString expected = settings.secret().diallerProof(exchange);
        if (!ClusterSecret.matches(expected, frame.getProof().getProof())) {
            refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "node '" + awaitingProof.nodeId() + "' at "
                    + ctx.channel().remoteAddress() + " did not prove it holds this cluster's secret;"
                    + " is its cluster secret the same as this node's?");
            return;
        }
        PeerHello p = awaitingProof;
        admit(ctx, new PeerHello(p.nodeId(), p.incarnation(), p.advertisedAddress(), p.sentAtMicros(), p.members(), true));
    }

    private void admit(ChannelHandlerContext ctx, PeerHello peer) {
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
