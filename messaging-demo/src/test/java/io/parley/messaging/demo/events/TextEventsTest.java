package io.parley.messaging.demo.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The lines people read at the console: what a message waiting for its peer, and its delivery, say. */
class TextEventsTest {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final TextEvents text = new TextEvents(lines::add, true);

    private static Receipt receipt(Duration roundTrip) {
        return new Receipt(UUID.randomUUID(), NodeId.of("n3"), 1_000_000L, 1_000_500L, roundTrip, DeliveryStatus.DELIVERED);
    }

    @Test
    void aSendToAPeerThatIsNotUpSaysItWaits() {
        text.queued(NodeId.of("n1"), NodeId.of("n3"), PeerState.LEFT);
        text.queued(NodeId.of("n1"), NodeId.of("n2"), PeerState.SUSPECT);
        assertThat(lines).containsExactly(
                "[n1] queued for n3, which is LEFT; it will be delivered when n3 returns",
                "[n1] queued for n2, which is SUSPECT; it will be delivered when n2 answers again");
    }

    @Test
    void aDeliveryThatWaitedNoticeablySaysHowLong() {
        text.delivered(NodeId.of("n1"), receipt(Duration.ofMillis(20)), "late", Duration.ofMillis(10_220));
        text.delivered(NodeId.of("n1"), receipt(Duration.ofMillis(2)), "at once", Duration.ofMillis(3));
        assertThat(lines.get(0)).contains("after waiting 10.2 s for n3").endsWith("late");
        assertThat(lines.get(1)).doesNotContain("waiting").endsWith("at once");
    }

    @Test
    void everyClockReadingSaysWhoseClockItIs() {
        long sent = 1_795_619_415_022_547L;
        Message m = new Message(UUID.randomUUID(), NodeId.of("n1"), NodeId.of("n2"), Direction.RECEIVED,
                DeliveryStatus.RECEIVED, 7, 1, sent, sent + 1_001, new HybridTimestamp(sent, 0),
                "hello".getBytes(StandardCharsets.UTF_8));
        text.received(NodeId.of("n2"), m);
        text.delivered(NodeId.of("n1"), receipt(Duration.ofMillis(2)), "hello", Duration.ofMillis(3));
        assertThat(lines.get(0)).matches("\\[n2] ← n1  n1 clock \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  hello");
        assertThat(lines.get(1)).matches("\\[n1] ✓ n3  n3 clock \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  delivered in 2\\.00 ms  hello");
        assertThat(HistoryRows.HEADER).contains("SENDER CLOCK (UTC)", "RECEIVER CLOCK (UTC)");
        assertThat(PeerRows.HEADER).contains("LAST SEEN (UTC, THIS NODE'S CLOCK)");
    }

    @Test
    void theDeliveryTimeIsNotCalledRtt() {
        text.delivered(NodeId.of("n1"), receipt(Duration.ofNanos(168_170_000)), "hi", Duration.ofMillis(170));
        assertThat(lines.get(0)).contains("delivered in 168.17 ms").doesNotContain("rtt");
    }
}
