package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Welcome;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerHandshakeHandlerTest {

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(PipelineNames.HANDSHAKE, new ServerHandshakeHandler(settings(), events));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void acceptedHelloIsAnsweredWithWelcomeCarryingThisNodesIdentity() {
        channel.writeInbound(frame(hello()));

        Frame out = channel.readOutbound();
        assertThat(out.getWelcome()).isEqualTo(Welcome.newBuilder()
                .setProtocolVersion(1)
                .setNodeId(SELF.value())
                .setIncarnation(INCARNATION)
                .setAdvertisedAddress(ADVERTISED)
                .setSentAtMicros(NOW)
                .build());
        assertThat(events.admitted).containsExactly(new PeerHello(PEER, PEER_INCARNATION, PEER_ADVERTISED, 900_000L));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void acceptedHelloEstablishesTheSessionAndReplacesHandshakeWithIdleHandler() {
        channel.writeInbound(frame(hello()));

        Session session = channel.attr(Session.KEY).get();
        assertThat(events.established).containsExactly(session);
        assertThat(session.peer()).isEqualTo(PEER);
        assertThat(session.lastSeenMicros()).isEqualTo(NOW);
        assertThat(channel.pipeline().get(PipelineNames.HANDSHAKE)).isNull();
        assertThat(channel.pipeline().get(PipelineNames.IDLE)).isInstanceOf(IdleStateHandler.class);
    }

    @Test
    void acceptedHelloCancelsTheHandshakeTimeout() {
        channel.writeInbound(frame(hello()));
        channel.<Frame>readOutbound(); // the Welcome

        channel.advanceTimeBy(HANDSHAKE_TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void helloFromOtherClusterIsRefusedWithWrongClusterError() {
        channel.writeInbound(frame(hello().setCluster("other-cluster")));

        assertRefused(Error.Code.CODE_WRONG_CLUSTER);
    }

    @Test
    void helloWithUnsupportedVersionIsRefused() {
        channel.writeInbound(frame(hello().setProtocolVersion(2)));

        assertRefused(Error.Code.CODE_UNSUPPORTED_VERSION);
    }

    @Test
    void helloWithInvalidNodeIdIsRefused() {
        channel.writeInbound(frame(hello().setNodeId("no spaces allowed")));

        assertRefused(Error.Code.CODE_INVALID_NODE_ID);
    }

    @Test
    void firstFrameOtherThanHelloIsRefusedAndNotPassedOn() {
        channel.writeInbound(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build());

        assertRefused(Error.Code.CODE_HANDSHAKE_REQUIRED);
        assertThat(channel.<Object>readInbound()).isNull();
    }

    @Test
    void helloRefusedByTheNodeIsAnsweredWithTheAdmissionsCode() {
        events.refuseWith(Error.Code.CODE_DUPLICATE_NODE_ID, "peer-a is already connected");

        channel.writeInbound(frame(hello()));

        Error error = readError(channel);
        assertThat(error.getCode()).isEqualTo(Error.Code.CODE_DUPLICATE_NODE_ID);
        assertThat(error.getMessage()).isEqualTo("peer-a is already connected");
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.established).isEmpty();
        assertThat(channel.attr(Session.KEY).get()).isNull();
    }

    @Test
    void connectionWithoutHelloIsClosedWhenTheHandshakeTimesOut() {
        channel.advanceTimeBy(HANDSHAKE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_TIMEOUT);
        assertThat(channel.isOpen()).isFalse();
    }

    private void assertRefused(Error.Code code) {
        assertThat(readError(channel).getCode()).isEqualTo(code);
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.admitted).isEmpty();
        assertThat(events.established).isEmpty();
    }
}
