package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** close() lets messages already sent to a connected peer finish before it shuts the node down. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainOnCloseTest {

    @Test
    void closeRightAfterSendingWaitsForEveryAcknowledgement() {
        try (Node receiver = Node.builder().id("receiver").build().start()) {
            Node sender = Node.builder().id("sender").closeTimeout(Duration.ofSeconds(20))
                    .peer("receiver", "127.0.0.1", receiver.localAddress().getPort()).build().start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> sender.peers().get(0).state() == PeerState.UP);
            List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                receipts.add(sender.send("receiver", ("m" + i).getBytes(StandardCharsets.UTF_8)));
            }

            sender.close();

            assertThat(receipts).allSatisfy(f -> assertThat(f).isCompletedWithValueMatching(r -> r.status() == DeliveryStatus.DELIVERED));
            assertThat(receiver.history(HistoryQuery.builder().limit(10_000).build())).hasSize(5_000);
            org.awaitility.Awaitility.await("receiver sees the sender leave").atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.peers().get(0).state() == PeerState.LEFT);
        }
    }
}
