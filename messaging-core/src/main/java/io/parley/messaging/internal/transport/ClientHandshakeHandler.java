package io.parley.messaging.internal.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Challenge;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Proof;
import io.parley.messaging.proto.v1.Welcome;

/**
 * The dialling side of the handshake: sends Hello as soon as the connection is up and waits for Welcome (or
 * Error). When it dialled a known peer it checks that the node that answers is that one; when it dialled an
 * address without a known id (a seed, or an address found through DNS) the Welcome tells who is there.
 *
 * <p>With a cluster secret, the Hello carries a nonce, and the peer must answer with a Challenge whose proof is
 * right before this side proves itself (a Proof frame) and takes the Welcome that follows; a Welcome without a
 * Challenge before it is refused. Without a secret, a Challenge is refused. State is the channel's event loop's.
 */
public final class ClientHandshakeHandler extends HandshakeHandler {

    private final NodeId expectedPeer;
    private boolean reported;
    private ByteString nonce; // this Hello's, with a secret
    private Challenge challenge; // the acceptor's, once its proof was checked

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
        Hello.Builder hello = Hello.newBuilder()
                .setProtocolVersion(Frames.PROTOCOL_VERSION)
                .setCluster(settings.cluster())
                .setNodeId(settings.self().value())
                .setIncarnation(settings.incarnation())
                .setAdvertisedAddress(settings.advertisedAddress().get())
                .setSentAtMicros(settings.clock().nowMicros())
                .addAllMembers(events.members());
        if (settings.secret() != null) {
            nonce = settings.secret().nonce();
            hello.setNonce(nonce);
        }
        ctx.writeAndFlush(Frame.newBuilder().setHello(hello).build());
    }

    @Override
    protected void onFrame(ChannelHandlerContext ctx, Frame frame) {
        if (frame.hasError()) {
            refusedByPeer(ctx, trusted(ctx, frame.getError()));
            return;
        }
        if (frame.hasChallenge()) {
            onChallenge(ctx, frame.getChallenge());
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
        if (settings.secret() != null) {
            if (challenge == null) {
                refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "this node requires a cluster secret, and node '"
                        + welcome.getNodeId() + "' at " + ctx.channel().remoteAddress()
                        + " answered Welcome without proving it holds one");
                return;
            }
            if (!challenge.getNodeId().equals(welcome.getNodeId()) || challenge.getIncarnation() != welcome.getIncarnation()) {
                refuse(ctx, Error.Code.CODE_PROTOCOL_VIOLATION, "the Welcome names node '" + welcome.getNodeId()
                        + "' (incarnation " + welcome.getIncarnation() + ") but the Challenge named '"
                        + challenge.getNodeId() + "' (incarnation " + challenge.getIncarnation() + ")");
                return;
            }
        }
        if (!authenticated(ctx, new NodeId(welcome.getNodeId()), true)) {
            return;
        }
        PeerHello peer = new PeerHello(new NodeId(welcome.getNodeId()), welcome.getIncarnation(),
                welcome.getAdvertisedAddress(), welcome.getSentAtMicros(), welcome.getMembersList(),
                challenge != null || settings.tls() != null);
        Admission admission = events.confirm(peer, ctx.channel());
        if (!admission.admitted()) {
            refuse(ctx, admission.code(), admission.reason());
            return;
        }
        reported = true;
        complete(ctx, admission.session());
    }

    /**
     * The acceptor proves it holds the cluster secret: check its proof and answer with this node's own. Its node id
     * is checked as a Welcome's would be, since the proof covers it.
     */
    private void onChallenge(ChannelHandlerContext ctx, Challenge c) {
        if (settings.secret() == null) {
            refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "peer at " + ctx.channel().remoteAddress()
                    + " sent a proof but this node has no cluster secret; give every node of the cluster the same one,"
                    + " or none");
            return;
        }
        if (challenge != null) {
            refuse(ctx, Error.Code.CODE_PROTOCOL_VIOLATION, "a second Challenge in one handshake");
            return;
        }
        if (!NodeId.isValid(c.getNodeId())) {
            refuse(ctx, Error.Code.CODE_INVALID_NODE_ID, "node at " + ctx.channel().remoteAddress()
                    + " answered with an invalid node id");
            return;
        }
        if (expectedPeer != null && !c.getNodeId().equals(expectedPeer.value())) {
            refuse(ctx, Error.Code.CODE_PROTOCOL_VIOLATION, "dialled node '" + expectedPeer + "' at "
                    + ctx.channel().remoteAddress() + " but node '" + c.getNodeId() + "' answered");
            return;
        }
        ClusterSecret.Exchange exchange = new ClusterSecret.Exchange(settings.cluster(), settings.self().value(),
                settings.incarnation(), c.getNodeId(), c.getIncarnation(), nonce, c.getNonce());
        if (c.getNonce().size() != ClusterSecret.NONCE_BYTES
                || !ClusterSecret.matches(settings.secret().acceptorProof(exchange), c.getProof())) {
            refuse(ctx, Error.Code.CODE_NOT_AUTHENTICATED, "node '" + c.getNodeId() + "' at "
                    + ctx.channel().remoteAddress() + " did not prove it holds this cluster's secret;"
                    + " is its cluster secret the same as this node's?");
            return;
        }
        challenge = c;
        ctx.writeAndFlush(Frame.newBuilder().setProof(Proof.newBuilder()
                .setProof(settings.secret().diallerProof(exchange))).build());
    }

    /**
     * Over TLS, a refusal whose code would make this node change course (stop dialling an address it takes for its
     * own, give up a dial) counts only from a node whose certificate says who it is: this node itself for
     * "dialled self", the peer it dialled for the rest. With a cluster secret, such a refusal counts only after the
     * node proved it holds the secret. From any other node it is a plain failure, dialled again.
     */
    private Error trusted(ChannelHandlerContext ctx, Error error) {
        if (settings.secret() != null && challenge == null && changesCourse(error.getCode())) {
            return untrusted(error, "from a node that has not proved it holds the cluster secret");
        }
        if (settings.tls() == null || error.getCode() == Error.Code.CODE_UNSPECIFIED) {
            return error;
        }
        NodeId claimed = error.getCode() == Error.Code.CODE_DIALLED_SELF ? settings.self() : expectedPeer;
        if (claimed == null || TlsContexts.mismatch(ctx.channel(), claimed) == null) {
            return error;
        }
        return untrusted(error, "from a node whose certificate does not show it is " + claimed);
    }

    /**
     * The codes that make this node stop dialling an address or give up a dial. With a cluster secret an acceptor
     * sends them only after the Proof (admission comes after it), so before its Challenge they are not its word.
     */
    private static boolean changesCourse(Error.Code code) {
        return code == Error.Code.CODE_DIALLED_SELF || code == Error.Code.CODE_DUPLICATE_CONNECTION
                || code == Error.Code.CODE_DUPLICATE_NODE_ID;
    }

    private static Error untrusted(Error error, String why) {
        return error.toBuilder().setCode(Error.Code.CODE_UNSPECIFIED)
                .setMessage(PeerText.clean(error.getMessage()) + " (" + error.getCode().name().replace("CODE_", "") + " " + why + ")")
                .build();
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
