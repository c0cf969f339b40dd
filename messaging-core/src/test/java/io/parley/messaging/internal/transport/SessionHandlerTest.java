package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionHandlerTest {

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(PipelineNames.SESSION, new SessionHandler(settings(), events, events));
        channel.pipeline().addLast(PipelineNames.EXCEPTIONS, new ExceptionHandler(SELF, new LimitCounters().logs()));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void goodbyeIsReportedWithItsReasonAndClosesTheConnection() {
        Session session = establish(channel);

        channel.writeInbound(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("shutting down")).build());

        assertThat(events.goodbyes).containsExactly(new RecordingSessionEvents.Farewell(session, "shutting down"));
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.closed).containsExactly(session);
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void errorFromPeerClosesTheConnectionWithoutAnswer() {
        Session session = establish(channel);

        channel.writeInbound(Frames.error(Error.Code.CODE_INTERNAL, "peer failed"));

        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(events.goodbyes).isEmpty();
        assertThat(events.closed).as("to membership").containsExactly(session);
        assertThat(events.ended).as("to delivery").containsExactly(session);
    }

    @Test
    void secondHelloAfterTheHandshakeIsRefusedAsHandshakeRequired() {
        establish(channel);

        channel.writeInbound(frame(hello()));

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_REQUIRED);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void resumeIsHandedToTheNodeOnceAndMarksTheSession() {
        Session session = establish(channel);
        Frame resume = Frames.resume(41, 17);

        channel.writeInbound(resume);

        assertThat(events.resumes).containsExactly(resume.getResume());
        assertThat(session.peerResumed()).isTrue();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void secondResumeIsAProtocolViolation() {
        establish(channel);
        channel.writeInbound(Frames.resume(0, 0));

        channel.writeInbound(Frames.resume(0, 0));

        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_PROTOCOL_VIOLATION);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.resumes).hasSize(1);
    }

    @Test
    void closeOfAnEstablishedSessionIsReportedOnce() {
        Session session = establish(channel);

        channel.close();

        assertThat(events.closed).containsExactly(session);
    }

    @Test
    void closeBeforeAnySessionIsNotReported() {
        channel.close();

        assertThat(channel.isOpen()).isFalse();
        assertThat(events.closed).isEmpty();
    }
}
