package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.clock.WallClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Node#submit} tells a message's id before its receipt, and the id is the one stored on both sides. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SubmitTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void submittedIdIsTheReceiptsAndTheStoredMessagesOnBothNodes() {
        try (Node b = Node.builder().id("b").build().start();
             Node a = Node.builder().id("a").peer("b", "127.0.0.1", b.localAddress().getPort()).build().start()) {
            Submission s = a.submit(NodeId.of("b"), "tracked".getBytes(StandardCharsets.UTF_8), null);

            assertThat(s.messageId()).isPresent();
            assertThat(s.receipt()).succeedsWithin(WAIT).extracting(Receipt::messageId).isEqualTo(s.messageId().get());
            List<Message> sent = a.history(HistoryQuery.all());
            assertThat(sent).singleElement().satisfies(m -> {
                assertThat(m.id()).isEqualTo(s.messageId().get());
                assertThat(m.status()).isEqualTo(DeliveryStatus.DELIVERED);
                // The id's timestamp is the sender time's millisecond, so a lookup by id can narrow by time.
                assertThat(m.id().getMostSignificantBits() >>> 16).isEqualTo(Math.floorDiv(m.senderTimeMicros(), 1000));
            });
            assertThat(b.history(HistoryQuery.all())).extracting(Message::id).containsExactly(s.messageId().get());
        }
    }

    @Test
    void storedCompletesOnceTheSendersStoreHasTheMessageWithoutWaitingForThePeer() {
        try (Node a = Node.builder().id("a").peer("b", "127.0.0.1", 1).build().start()) {
            Submission s = a.submit(NodeId.of("b"), new byte[] {1}, null);

            assertThat(s.stored()).succeedsWithin(WAIT);
            assertThat(a.history(HistoryQuery.all())).extracting(Message::id).containsExactly(s.messageId().get());
            assertThat(s.receipt()).as("the peer is down").isNotDone();
        }
    }

    @Test
    void aSendRefusedAtOnceHasNoIdAndAFailedReceipt() {
        try (Node a = Node.builder().id("a").peer("b", "127.0.0.1", 1).build().start()) {
            Submission unknown = a.submit(NodeId.of("zed"), new byte[1], null);

            assertThat(unknown.messageId()).isEmpty();
            assertThat(unknown.receipt()).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(UnknownPeerException.class);
            assertThat(unknown.stored()).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(UnknownPeerException.class);
        }
    }

    @Test
    void aSubmissionToAPeerThatIsDownHasItsIdAndStaysPending() {
        WallClock clock = WallClock.system();
        try (Node a = Node.builder().id("a").clock(clock).peer("b", "127.0.0.1", 1).build().start()) {
            Submission s = a.submit(NodeId.of("b"), new byte[] {1}, null);

            assertThat(s.messageId()).isPresent();
            assertThat(s.receipt()).isNotDone();
            org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() ->
                    assertThat(a.history(HistoryQuery.builder().status(DeliveryStatus.PENDING).build()))
                            .extracting(Message::id).containsExactly(s.messageId().get()));
        }
    }
}
