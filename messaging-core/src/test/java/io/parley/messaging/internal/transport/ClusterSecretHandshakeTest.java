package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.proto.v1.Challenge;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Proof;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.proto.v1.Welcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The handshake with a cluster secret, both handlers on channels of their own with the frames carried between them
 * by hand: Hello (with a nonce), Challenge, Proof, Welcome. A wrong or missing secret is refused on both sides with
 * CODE_NOT_AUTHENTICATED; a replayed Hello or Proof is worthless on a new connection; the acceptor admits nothing
 * before the Proof is right.
 */
class ClusterSecretHandshakeTest {

    private static final ClusterSecret SECRET = new ClusterSecret("sixteen bytes at least".getBytes(UTF_8));
    private static final ClusterSecret OTHER = new ClusterSecret("another secret of this length".getBytes(UTF_8));

    private final RecordingSessionEvents acceptorEvents = new RecordingSessionEvents();
    private final RecordingSessionEvents diallerEvents = new RecordingSessionEvents();
    private final List<Object> acceptorUserEvents = new ArrayList<>();
    private final List<Object> acceptorPassedOn = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** An accepting node ({@link #SELF}) with {@code secret}; what passes the handshake is recorded. */
    private EmbeddedChannel acceptor(ClusterSecret secret) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(PipelineNames.HANDSHAKE, new ServerHandshakeHandler(settings(secret), acceptorEvents));
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                acceptorUserEvents.add(evt);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                acceptorPassedOn.add(msg);
            }
        });
        channels.add(ch);
        return ch;
    }

    /** A dialling node ({@link #PEER}) with {@code secret}, dialling {@link #SELF}; its Hello is written already. */
    private EmbeddedChannel dialler(ClusterSecret secret) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(PipelineNames.HANDSHAKE, new ClientHandshakeHandler(peerSettings(secret), diallerEvents, SELF));
        channels.add(ch);
        return ch;
    }

    /** Moves the next frame {@code from} wrote to {@code to}, and returns it. */
    private static Frame carry(EmbeddedChannel from, EmbeddedChannel to) {
        Frame frame = from.readOutbound();
        assertThat(frame).as("a frame to carry").isNotNull();
        to.writeInbound(frame);
        return frame;
    }

    @Test
    void theRightSecretEstablishesAnAuthenticatedSessionOnBothSides() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(SECRET);

        Frame hello = carry(dialler, acceptor);
        Frame challenge = carry(acceptor, dialler);
        Frame proof = carry(dialler, acceptor);
        Frame welcome = carry(acceptor, dialler);

        assertThat(hello.getHello().getNonce().size()).isEqualTo(ClusterSecret.NONCE_BYTES);
        assertThat(challenge.getChallenge().getNonce().size()).isEqualTo(ClusterSecret.NONCE_BYTES);
        assertThat(challenge.getChallenge().getNonce()).isNotEqualTo(hello.getHello().getNonce());
        assertThat(challenge.getChallenge().getNodeId()).isEqualTo(SELF.value());
        assertThat(proof.getProof().getProof().size()).isEqualTo(32);
        assertThat(welcome.hasWelcome()).isTrue();
        Session accepted = acceptor.attr(Session.KEY).get();
        Session dialled = dialler.attr(Session.KEY).get();
        assertThat(acceptorEvents.established).containsExactly(accepted);
        assertThat(diallerEvents.established).containsExactly(dialled);
        assertThat(accepted.authenticated()).isTrue();
        assertThat(dialled.authenticated()).isTrue();
        assertThat(acceptorEvents.admitted).singleElement().extracting(PeerHello::authenticated).isEqualTo(true);
        assertThat(diallerEvents.confirmed).singleElement().extracting(PeerHello::authenticated).isEqualTo(true);
        assertThat(acceptorUserEvents).containsExactly(SessionEstablished.INSTANCE);
        assertThat(acceptor.isOpen()).isTrue();
        assertThat(dialler.isOpen()).isTrue();
    }

    @Test
    void withoutASecretOnEitherSideTheSessionIsNotAuthenticated() {
        EmbeddedChannel acceptor = acceptor(null);
        EmbeddedChannel dialler = dialler(null);

        Frame hello = carry(dialler, acceptor);
        carry(acceptor, dialler);

        assertThat(hello.getHello().getNonce().isEmpty()).isTrue();
        assertThat(acceptor.attr(Session.KEY).get().authenticated()).isFalse();
        assertThat(dialler.attr(Session.KEY).get().authenticated()).isFalse();
    }

    @Test
    void theAcceptorAdmitsNothingAndEstablishesNothingBeforeTheProof() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(SECRET);
        carry(dialler, acceptor);
        Frame challenge = acceptor.readOutbound();
        assertThat(challenge.hasChallenge()).isTrue();

        assertThat(acceptorEvents.admitted).isEmpty();
        assertThat(acceptorEvents.established).isEmpty();
        assertThat(acceptorUserEvents).isEmpty();
        assertThat(acceptor.attr(Session.KEY).get()).isNull();
        assertThat(acceptor.<Object>readOutbound()).as("no Welcome yet").isNull();

        // A stranger that skips the Proof and goes on as if established gets nothing through.
        acceptor.writeInbound(Frame.newBuilder().setResume(Resume.newBuilder().setReceivedSeq(1)).build());

        assertThat(readError(acceptor).getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_REQUIRED);
        assertThat(acceptor.isOpen()).isFalse();
        assertThat(acceptorPassedOn).isEmpty();
        assertThat(acceptorEvents.admitted).isEmpty();
        assertThat(acceptorUserEvents).isEmpty();
    }

    @Test
    void gossipInsteadOfTheProofIsRefusedAndNotPassedOn() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        carry(dialler(SECRET), acceptor);
        acceptor.<Frame>readOutbound(); // the Challenge

        acceptor.writeInbound(Frame.newBuilder().setGossip(Gossip.getDefaultInstance()).build());

        assertThat(readError(acceptor).getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_REQUIRED);
        assertThat(acceptorPassedOn).isEmpty();
        assertThat(acceptorEvents.admitted).isEmpty();
    }

    @Test
    void aDiallerWithAnotherSecretRefusesTheChallengeAndTheAcceptorClosesToo() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(OTHER);
        carry(dialler, acceptor);
        carry(acceptor, dialler);

        Frame refusal = carry(dialler, acceptor);

        assertThat(refusal.getError().getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(refusal.getError().getMessage()).contains("node 'self'").contains("did not prove it holds this cluster's secret");
        assertThat(dialler.isOpen()).isFalse();
        assertThat(diallerEvents.dialFailures).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
            assertThat(f.reason()).contains("did not prove it holds this cluster's secret");
        });
        assertThat(acceptor.isOpen()).isFalse();
        assertThat(acceptorEvents.admitted).isEmpty();
        assertThat(diallerEvents.confirmed).isEmpty();
    }

    @Test
    void aProofMadeWithAnotherSecretIsRefusedByTheAcceptor() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(SECRET);
        Frame hello = carry(dialler, acceptor);
        Challenge challenge = acceptor.<Frame>readOutbound().getChallenge();
        ClusterSecret.Exchange exchange = new ClusterSecret.Exchange(CLUSTER, PEER.value(), PEER_INCARNATION,
                challenge.getNodeId(), challenge.getIncarnation(), hello.getHello().getNonce(), challenge.getNonce());

        acceptor.writeInbound(proof(OTHER.diallerProof(exchange)));

        Error error = readError(acceptor);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(error.getMessage()).contains("node 'peer-a'").contains("did not prove it holds this cluster's secret");
        assertThat(acceptor.isOpen()).isFalse();
        assertThat(acceptorEvents.admitted).isEmpty();
        assertThat(acceptorEvents.established).isEmpty();
        assertThat(acceptorUserEvents).isEmpty();

        // The dialler hears why.
        dialler.writeInbound(Frame.newBuilder().setError(error).build());
        assertThat(diallerEvents.dialFailures).singleElement()
                .extracting(RecordingSessionEvents.DialFailure::code).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
    }

    @Test
    void aDiallerWithoutASecretIsRefusedByAnAcceptorThatRequiresOne() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(null);
        carry(dialler, acceptor);

        Frame refusal = carry(acceptor, dialler);

        assertThat(refusal.getError().getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(refusal.getError().getMessage()).contains("this node requires a cluster secret")
                .contains("node 'peer-a' has none");
        assertThat(acceptor.isOpen()).isFalse();
        assertThat(acceptorEvents.admitted).isEmpty();
        assertThat(diallerEvents.dialFailures).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
            assertThat(f.reason()).contains("this node requires a cluster secret");
        });
    }

    @Test
    void aDiallerWithASecretIsRefusedByAnAcceptorWithoutOne() {
        EmbeddedChannel acceptor = acceptor(null);
        EmbeddedChannel dialler = dialler(SECRET);
        carry(dialler, acceptor);

        Frame refusal = carry(acceptor, dialler);

        assertThat(refusal.getError().getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(refusal.getError().getMessage()).contains("uses a cluster secret but this node has no cluster secret");
        assertThat(acceptorEvents.admitted).isEmpty();
        assertThat(diallerEvents.dialFailures).singleElement()
                .extracting(RecordingSessionEvents.DialFailure::code).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
    }

    @Test
    void aDiallerWithoutASecretRefusesAChallenge() {
        EmbeddedChannel dialler = dialler(null);
        dialler.<Frame>readOutbound(); // its Hello

        dialler.writeInbound(Frame.newBuilder().setChallenge(Challenge.newBuilder().setNodeId(SELF.value())
                .setIncarnation(INCARNATION).setNonce(SECRET.nonce()).setProof(SECRET.nonce())).build());

        Error error = readError(dialler);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(error.getMessage()).contains("sent a proof but this node has no cluster secret");
        assertThat(dialler.isOpen()).isFalse();
        assertThat(diallerEvents.confirmed).isEmpty();
    }

    @Test
    void aDiallerWithASecretRefusesAWelcomeWithoutAChallenge() {
        EmbeddedChannel dialler = dialler(SECRET);
        dialler.<Frame>readOutbound(); // its Hello

        dialler.writeInbound(Frame.newBuilder().setWelcome(Welcome.newBuilder().setProtocolVersion(1)
                .setNodeId(SELF.value()).setIncarnation(INCARNATION)).build());

        Error error = readError(dialler);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(error.getMessage()).contains("this node requires a cluster secret")
                .contains("answered Welcome without proving it holds one");
        assertThat(diallerEvents.confirmed).isEmpty();
        assertThat(diallerEvents.established).isEmpty();
    }

    @Test
    void aHelloAndProofCapturedFromOneConnectionAreWorthlessOnAnother() {
        EmbeddedChannel first = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(SECRET);
        Frame hello = carry(dialler, first);
        carry(first, dialler);
        Frame proof = carry(dialler, first);
        assertThat(first.attr(Session.KEY).get()).isNotNull();
        acceptorEvents.admitted.clear();

        // A stranger replays both on a new connection: the acceptor's nonce is new, so the old proof is wrong.
        EmbeddedChannel second = acceptor(SECRET);
        second.writeInbound(hello);
        Frame challenge = second.readOutbound();
        assertThat(challenge.hasChallenge()).isTrue();
        second.writeInbound(proof);

        assertThat(readError(second).getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(second.isOpen()).isFalse();
        assertThat(second.attr(Session.KEY).get()).isNull();
        assertThat(acceptorEvents.admitted).isEmpty();
    }

    @Test
    void aChallengeCapturedFromOneConnectionIsWorthlessOnAnother() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel first = dialler(SECRET);
        carry(first, acceptor);
        Frame challenge = acceptor.readOutbound();

        // A stranger posing as the acceptor replays it to a new dial: the dialler's nonce is new.
        EmbeddedChannel second = dialler(SECRET);
        second.<Frame>readOutbound(); // its Hello
        second.writeInbound(challenge);

        Error error = readError(second);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
        assertThat(second.<Object>readOutbound()).as("no Proof").isNull();
        assertThat(diallerEvents.confirmed).isEmpty();
    }

    @Test
    void aRefusalThatWouldStopTheDialCountsOnlyFromANodeThatProvedTheSecret() {
        EmbeddedChannel dialler = dialler(SECRET);
        dialler.<Frame>readOutbound(); // its Hello

        dialler.writeInbound(Frames.error(Error.Code.CODE_DIALLED_SELF, "you dialled yourself"));

        assertThat(diallerEvents.dialFailures).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(Error.Code.CODE_UNSPECIFIED);
            assertThat(f.reason()).contains("DIALLED_SELF from a node that has not proved it holds the cluster secret");
        });
    }

    @Test
    void aRefusalAfterTheChallengeKeepsItsCode() {
        EmbeddedChannel acceptor = acceptor(SECRET);
        EmbeddedChannel dialler = dialler(SECRET);
        acceptorEvents.refuseWith(Error.Code.CODE_DUPLICATE_CONNECTION, "a connection between self and peer-a exists");
        carry(dialler, acceptor);
        carry(acceptor, dialler);
        carry(dialler, acceptor);

        Frame refusal = carry(acceptor, dialler);

        assertThat(refusal.getError().getCode()).isEqualTo(Error.Code.CODE_DUPLICATE_CONNECTION);
        assertThat(diallerEvents.dialFailures).singleElement()
                .extracting(RecordingSessionEvents.DialFailure::code).isEqualTo(Error.Code.CODE_DUPLICATE_CONNECTION);
        assertThat(acceptorEvents.established).isEmpty();
    }

    private static Frame proof(ByteString proof) {
        return Frame.newBuilder().setProof(Proof.newBuilder().setProof(proof)).build();
    }
}
