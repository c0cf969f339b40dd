package io.parley.messaging.demo.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.BroadcastSubmission;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.Node;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.demo.events.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the console's {@code /all} and {@code POST /broadcast} do: one message, one id, a receipt reported per peer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoNodeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void broadcastSendsOneMessageUnderOneIdAndReportsEachPeersReceipt() {
        RecordingSink sink = new RecordingSink();
        try (DemoNode b = DemoNode.start(Node.builder().id("b"), Path.of("b.db"), sink);
             DemoNode c = DemoNode.start(Node.builder().id("c"), Path.of("c.db"), sink);
             DemoNode a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", b.node().localAddress().getPort())
                     .peer("c", "127.0.0.1", c.node().localAddress().getPort()), Path.of("a.db"), sink)) {

            BroadcastSubmission sent = a.broadcast("to all");

            UUID id = sent.messageId().orElseThrow();
            assertThat(sent.receipts()).containsOnlyKeys(NodeId.of("b"), NodeId.of("c"));
            await().atMost(WAIT).untilAsserted(() -> assertThat(sink.delivered).hasSize(2));
            assertThat(sink.delivered).extracting(Receipt::peer).containsExactlyInAnyOrder(NodeId.of("b"), NodeId.of("c"));
            assertThat(sink.delivered).allSatisfy(r -> {
                assertThat(r.messageId()).isEqualTo(id);
                assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
            });
            assertThat(sink.received).extracting(Message::recipient).containsExactlyInAnyOrder(NodeId.of("b"), NodeId.of("c"));
            assertThat(sink.received).allSatisfy(m -> {
                assertThat(m.id()).isEqualTo(id);
                assertThat(m.text()).isEqualTo("to all");
            });
            await().atMost(WAIT).untilAsserted(() -> assertThat(a.awaitingReceipt()).isEmpty());
            assertThat(sink.failed).isEmpty();
        }
    }

    @Test
    void aBroadcastFromANodeWithoutPeersHasNoCopies() {
        RecordingSink sink = new RecordingSink();
        try (DemoNode alone = DemoNode.start(Node.builder().id("alone"), Path.of("alone.db"), sink)) {
            BroadcastSubmission sent = alone.broadcast("anyone?");

            assertThat(sent.receipts()).isEmpty();
            assertThat(alone.hasPending()).isFalse();
        }
    }

    @Test
    void aSendWaitingForItsReceiptHoldsAPreviewOfItsTextNotAllOfIt() {
        RecordingSink sink = new RecordingSink();
        String big = "x".repeat(200_000);
        try (DemoNode b = DemoNode.start(Node.builder().id("b"), Path.of("b.db"), sink);
             DemoNode a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", b.node().localAddress().getPort()),
                     Path.of("a.db"), sink)) {
            a.send(NodeId.of("b"), big);
            a.send(NodeId.of("b"), "short");

            await().atMost(WAIT).untilAsserted(() -> assertThat(sink.deliveredTexts).hasSize(2));
            assertThat(sink.deliveredTexts).containsExactly(
                    "x".repeat(DemoNode.REPORTED_CHARS) + "…(+" + (200_000 - DemoNode.REPORTED_CHARS) + " chars)", "short");
            assertThat(sink.received).extracting(Message::text).contains(big); // the message itself is whole
        }
    }
}
