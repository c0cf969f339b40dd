package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Welcome;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClientHandshakeHandlerTest {

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(PipelineNames.HANDSHAKE, new ClientHandshakeHandler(settings(), events, PEER));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static Welcome.Builder welcome() {
        return Welcome.newBuilder()
                .setProtocolVersion(1)
                .setNodeId(PEER.value())
                .setIncarnation(PEER_INCARNATION)
                .setAdvertisedAddress(PEER_ADVERTISED)
                .setSentAtMicros(950_000L);
    }

    private static Frame frame(Welcome.Builder welcome) {
        return Frame.newBuilder().setWelcome(welcome).build();
    }

    private Frame readHello() {
        Frame hello = channel.readOutbound();
        assertThat(hello.hasHello()).isTrue();
        return hello;
    }

    @Test
    void activationSendsHelloWithThisNodesIdentityAndVersionOne() {
        assertThat(readHello().getHello()).isEqualTo(Hello.newBuilder()
                .setProtocolVersion(1)
                .setCluster(CLUSTER)
                .setNodeId(SELF.value())
                .setIncarnation(INCARNATION)
                .setAdvertisedAddress(ADVERTISED)
                .setSentAtMicros(NOW)
                .build());
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void welcomeFromExpectedPeerIsConfirmedAndEstablishesTheSession() {
        readHello();

        channel.writeInbound(frame(welcome()));

        assertThat(events.confirmed).containsExactly(new PeerHello(PEER, PEER_INCARNATION, PEER_ADVERTISED, 950_000L));
        Session session = channel.attr(Session.KEY).get();
        assertThat(events.established).containsExactly(session);
        assertThat(session.dialedBySelf()).isTrue();
        assertThat(channel.pipeline().get(PipelineNames.HANDSHAKE)).isNull();
        assertThat(channel.pipeline().get(PipelineNames.IDLE)).isInstanceOf(IdleStateHandler.class);
        assertThat(events.dialFailures).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void welcomeFromUnexpectedNodeIsRefusedAndReportedAsFailedDial() {
        readHello();

        channel.writeInbound(frame(welcome().setNodeId("impostor")));

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_PROTOCOL_VIOLATION);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.confirmed).isEmpty();
        assertThat(events.established).isEmpty();
        assertThat(events.dialFailures).singleElement().satisfies(f -> {
            assertThat(f.peer()).isEqualTo(PEER);
            assertThat(f.reason()).contains("impostor");
        });
    }

    @Test
    void dialToAnAddressWithoutAKnownIdTakesTheIdFromTheWelcome() {
        EmbeddedChannel seed = new EmbeddedChannel();
        seed.pipeline().addLast(PipelineNames.HANDSHAKE, new ClientHandshakeHandler(settings(), events, null));
        assertThat(seed.<Frame>readOutbound().hasHello()).isTrue();

        seed.writeInbound(frame(welcome().setNodeId("whoever-is-there")
                .addMembers(Member.newBuilder().setNodeId("other").setAdvertisedAddress("10.0.0.7:7000"))));

        assertThat(events.confirmed).singleElement().satisfies(w -> {
            assertThat(w.nodeId()).isEqualTo(NodeId.of("whoever-is-there"));
            assertThat(w.members()).extracting(Member::getNodeId).containsExactly("other");
        });
        assertThat(seed.attr(Session.KEY).get().peer()).isEqualTo(NodeId.of("whoever-is-there"));
        assertThat(seed.isOpen()).isTrue();
        seed.finishAndReleaseAll();
    }

    @Test
    void dialToAnAddressWithoutAKnownIdRefusesAnInvalidIdInTheWelcome() {
        EmbeddedChannel seed = new EmbeddedChannel();
        seed.pipeline().addLast(PipelineNames.HANDSHAKE, new ClientHandshakeHandler(settings(), events, null));
        seed.readOutbound();

        seed.writeInbound(frame(welcome().setNodeId("not a valid id")));

        assertThat(readError(seed).getCode()).isEqualTo(Error.Code.CODE_INVALID_NODE_ID);
        assertThat(events.confirmed).isEmpty();
        assertThat(events.dialFailures).singleElement().satisfies(f -> {
            assertThat(f.peer()).as("no id was known").isNull();
            assertThat(f.code()).isEqualTo(Error.Code.CODE_INVALID_NODE_ID);
        });
        seed.finishAndReleaseAll();
    }

    @Test
    void helloNamesTheMembersThisNodeIsConnectedTo() {
        EmbeddedChannel fresh = new EmbeddedChannel();
        events.members = java.util.List.of(Member.newBuilder().setNodeId("m").setAdvertisedAddress("h:1").build());
        fresh.pipeline().addLast(PipelineNames.HANDSHAKE, new ClientHandshakeHandler(settings(), events, PEER));

        assertThat(fresh.<Frame>readOutbound().getHello().getMembersList()).extracting(Member::getNodeId).containsExactly("m");
        fresh.finishAndReleaseAll();
    }

    @Test
    void welcomeWithUnsupportedVersionIsRefused() {
        readHello();

        channel.writeInbound(frame(welcome().setProtocolVersion(2)));

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_UNSUPPORTED_VERSION);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.confirmed).isEmpty();
        assertThat(events.dialFailures).hasSize(1);
    }

    @Test
    void errorFromPeerIsReportedOnceAndClosesWithoutAnswer() {
        readHello();

        channel.writeInbound(Frames.error(Error.Code.CODE_WRONG_CLUSTER, "wrong cluster, go away"));

        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(events.dialFailures).singleElement().satisfies(f -> {
            assertThat(f.peer()).isEqualTo(PEER);
            assertThat(f.reason()).contains("wrong cluster, go away").contains("WRONG_CLUSTER");
        });
        assertThat(events.established).isEmpty();
    }

    @Test
    void answerOtherThanWelcomeIsRefusedWithHandshakeRequired() {
        readHello();

        channel.writeInbound(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(3)).build());

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_REQUIRED);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.dialFailures).hasSize(1);
    }

    @Test
    void welcomeRefusedByTheNodeIsAnsweredWithTheAdmissionsCode() {
        readHello();
        events.refuseWith(Error.Code.CODE_DUPLICATE_CONNECTION, "already connected to peer-a");

        channel.writeInbound(frame(welcome()));

        Error error = readError(channel);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_DUPLICATE_CONNECTION);
        assertThat(error.getMessage()).isEqualTo("already connected to peer-a");
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.established).isEmpty();
        assertThat(events.dialFailures).singleElement()
                .satisfies(f -> assertThat(f.reason()).isEqualTo("already connected to peer-a"));
    }

    @Test
    void silentPeerIsRefusedWithHandshakeTimeoutAndReportedOnce() {
        readHello();

        channel.advanceTimeBy(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_TIMEOUT);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.dialFailures).hasSize(1);
    }

    @Test
    void connectionClosedDuringHandshakeIsReportedAsFailedDial() {
        readHello();

        channel.close();

        assertThat(events.dialFailures).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("closed during the handshake"));
    }
}
