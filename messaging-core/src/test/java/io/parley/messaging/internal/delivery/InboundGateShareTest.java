package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A sender that floods is held to its share of the inbound backlog; the others are read on. */
class InboundGateShareTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId FLOODER = NodeId.of("flooder");
    private static final NodeId HONEST = NodeId.of("honest");

    private final InboundGate gate = new InboundGate(SELF);
    private final EmbeddedChannel flooder = new EmbeddedChannel();
    private final EmbeddedChannel honest = new EmbeddedChannel();

    @AfterEach
    void tearDown() {
        flooder.finishAndReleaseAll();
        honest.finishAndReleaseAll();
    }

    @Test
    void aSenderPastItsShareIsNotReadButTheOthersAre() {
        Message big1 = message(FLOODER, 1, 600 * 1024);
        Message big2 = message(FLOODER, 2, 600 * 1024);
        Message small = message(HONEST, 1, 100);

        gate.admitted(flooder, FLOODER, big1.payloadSize());
        assertThat(flooder.config().isAutoRead()).as("within its share").isTrue();
        gate.admitted(flooder, FLOODER, big2.payloadSize());
        gate.admitted(honest, HONEST, small.payloadSize());
        flooder.runPendingTasks();
        honest.runPendingTasks();

        assertThat(flooder.config().isAutoRead()).as("past its share of " + InboundGate.PEER_HIGH_WATER_BYTES).isFalse();
        assertThat(honest.config().isAutoRead()).isTrue();

        gate.released(List.of(big1, small));
        flooder.runPendingTasks();
        assertThat(flooder.config().isAutoRead()).as("600 KB still wait: more than a quarter of its share").isFalse();

        gate.released(List.of(big2));
        flooder.runPendingTasks();
        assertThat(flooder.config().isAutoRead()).as("caught up").isTrue();
    }

    @Test
    void manySmallMessagesCountToo() {
        for (int seq = 1; seq <= InboundGate.PEER_HIGH_WATER_MESSAGES + 1; seq++) {
            gate.admitted(flooder, FLOODER, 10);
        }
        flooder.runPendingTasks();

        assertThat(flooder.config().isAutoRead()).isFalse();
    }

    private static Message message(NodeId from, long seq, int size) {
        return new Message(UUID.randomUUID(), from, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, 1, seq, 1, 2,
                new HybridTimestamp(1, 0), Message.NEVER, new byte[size]);
    }
}
