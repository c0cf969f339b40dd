package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EnvelopeHandlerTest {

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;
    private Session session;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        session = establish(channel);
        session.markPeerResumed();
        channel.pipeline().addLast(PipelineNames.ENVELOPE, new EnvelopeHandler(() -> NOW, events));
        channel.pipeline().addLast(PipelineNames.EXCEPTIONS, new ExceptionHandler(SELF, new LimitCounters().logs()));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static Envelope.Builder envelope() {
        return Envelope.newBuilder()
                .setSeq(1)
                .setMessageId(Frames.uuid(UUID.fromString("00000000-0000-0000-0000-000000000001")))
                .setSenderTimeMicros(900_000L)
                .setHlc(Frames.hlc(new HybridTimestamp(900_000L, 0)))
                .setPayload(ByteString.copyFromUtf8("hi"));
    }

    private static Frame frame(Envelope.Builder envelope) {
        return Frame.newBuilder().setEnvelope(envelope).build();
    }

    @Test
    void validEnvelopeIsHandedToTheNodeWithSessionAndArrivalTime() {
        Envelope envelope = envelope().build();

        channel.writeInbound(Frame.newBuilder().setEnvelope(envelope).build());

        assertThat(events.envelopes).containsExactly(new RecordingSessionEvents.EnvelopeArrival(session, envelope, NOW));
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void envelopeWithSeqZeroIsAProtocolViolation() {
        channel.writeInbound(frame(envelope().setSeq(0)));

        assertRejected();
    }

    @Test
    void envelopeWithShortMessageIdIsAProtocolViolation() {
        channel.writeInbound(frame(envelope().setMessageId(ByteString.copyFrom(new byte[15]))));

        assertRejected();
    }

    @Test
    void envelopeWithoutHybridTimestampIsAProtocolViolation() {
        channel.writeInbound(frame(envelope().clearHlc()));

        assertRejected();
    }

    @Test
    void envelopeBeforeThePeersResumeIsAProtocolViolation() {
        Session fresh = new Session(session.peer(), session.peerIncarnation(), channel, false, "");
        channel.attr(Session.KEY).set(fresh);

        channel.writeInbound(frame(envelope()));

        assertRejected();
    }

    @Test
    void envelopeThatDoesNotFollowAnEarlierSeqIsAProtocolViolation() {
        channel.writeInbound(frame(envelope().setSeq(5).setPreviousSeq(5)));

        assertRejected();
    }

    @Test
    void envelopeFollowingAWithdrawnRangeIsHandedOn() {
        Envelope envelope = envelope().setSeq(9).setPreviousSeq(4).build();

        channel.writeInbound(frame(envelope.toBuilder()));

        assertThat(events.envelopes).extracting(RecordingSessionEvents.EnvelopeArrival::envelope).containsExactly(envelope);
    }

    @Test
    void otherFramesPassOnUntouched() {
        channel.pipeline().remove(PipelineNames.EXCEPTIONS);
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();

        channel.writeInbound(ping);

        assertThat(channel.<Object>readInbound()).isSameAs(ping);
        assertThat(events.envelopes).isEmpty();
    }

    private void assertRejected() {
        assertThat(readError(channel).getCode()).isEqualTo(Error.Code.CODE_PROTOCOL_VIOLATION);
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.envelopes).isEmpty();
    }
}
