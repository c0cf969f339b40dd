package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExchangeTest {

    @Test
    void twoNodesExchangeOneMessage() throws Exception {
        List<Message> seenByB = new CopyOnWriteArrayList<>();
        try (Node a = Node.builder().id("a").build().start();
             Node b = Node.builder().id("b").peer("a", "127.0.0.1", a.localAddress().getPort())
                     .onMessage(seenByB::add).build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> a.peers().stream().anyMatch(p -> p.state() == PeerState.UP));
            Receipt r = a.send("b", "hi".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
            await().atMost(Duration.ofSeconds(5)).until(() -> seenByB.size() == 1);
            assertThat(seenByB.get(0).text()).isEqualTo("hi");
            System.out.println(r);
        }
    }
}
