package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AckHandlerTest {

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedChannel channel;
    private Session session;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        session = establish(channel);
        channel.pipeline().addLast(PipelineNames.ACK, new AckHandler(() -> NOW, events));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void ackBatchIsHandedToTheNodeWithArrivalTimeOnBothClocks() {
        AckBatch batch = AckBatch.newBuilder()
                .addAcks(Ack.newBuilder().setSeq(1).setStatus(AckStatus.ACK_STATUS_STORED))
                .addAcks(Ack.newBuilder().setSeq(2).setStatus(AckStatus.ACK_STATUS_DUPLICATE))
                .build();
        long before = System.nanoTime();

        channel.writeInbound(Frame.newBuilder().setAckBatch(batch).build());

        long after = System.nanoTime();
        assertThat(events.acks).singleElement().satisfies(a -> {
            assertThat(a.session()).isSameAs(session);
            assertThat(a.batch()).isEqualTo(batch);
            assertThat(a.receivedMicros()).isEqualTo(NOW);
            assertThat(a.receivedNanos()).isBetween(before, after);
        });
        assertThat(channel.<Object>readInbound()).isNull();
    }

    @Test
    void otherFramesPassOnUntouched() {
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build();

        channel.writeInbound(ping);

        assertThat(channel.<Object>readInbound()).isSameAs(ping);
        assertThat(events.acks).isEmpty();
    }
}
