package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.store.InMemoryMessageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every change of a peer's state reaches the PeerListener, in order, off the network threads. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    record Seen(PeerEvent event, String thread) {
    }

    @Test
    void aPeerThatLeavesAndReturnsIsReportedUpLeftUpOnTheNodesOwnThread() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        InMemoryMessageStore aStore = new InMemoryMessageStore();
        try (Node b = Node.builder().id("b").onPeerEvent(e -> seen.add(new Seen(e, Thread.currentThread().getName())))
                .build().start()) {
            String seed = "127.0.0.1:" + b.localAddress().getPort();
            Instant before = Instant.now();
            Node a = Node.builder().id("a").store(aStore).seed(seed).build().start();
            await().atMost(WAIT).until(() -> seen.size() == 1);
            a.close(); // says Goodbye
            await().atMost(WAIT).until(() -> seen.size() == 2);
            try (Node again = Node.builder().id("a").store(aStore).seed(seed).build().start()) {
                await().atMost(WAIT).until(() -> seen.size() == 3);
                assertThat(again.incarnation()).isEqualTo(a.incarnation());
            }

            assertThat(seen).extracting(s -> s.event().previous() + "→" + s.event().state())
                    .startsWith("DOWN→UP", "UP→LEFT", "LEFT→UP");
            assertThat(seen).allSatisfy(s -> {
                assertThat(s.thread()).isEqualTo("parley-b-peer-events-1");
                assertThat(s.event().peer()).isEqualTo(NodeId.of("a"));
                assertThat(s.event().info().state()).isEqualTo(s.event().state());
                assertThat(s.event().time()).isAfterOrEqualTo(before.minusMillis(1));
            });
        }
    }

    @Test
    void aSuppliedExecutorRunsTheListenerOneCallAtATime() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<String> seen = new CopyOnWriteArrayList<>();
        int[] inside = {0};
        int[] most = {0};
        try (Node hub = Node.builder().id("hub").peerEventExecutor(pool).onPeerEvent(e -> {
            synchronized (inside) {
                most[0] = Math.max(most[0], ++inside[0]);
            }
            seen.add(e.peer() + " " + e.state());
            synchronized (inside) {
                inside[0]--;
            }
        }).build().start()) {
            String seed = "127.0.0.1:" + hub.localAddress().getPort();
            for (int i = 0; i < 5; i++) {
                try (Node p = Node.builder().id("p" + i).seed(seed).build().start()) {
                    await().atMost(WAIT).until(() -> p.peers().stream().anyMatch(info -> info.state() == PeerState.UP));
                }
            }
            // Each peer's UP and LEFT; other changes may come too (a redial of a port the next peer reuses can
            // replace a connection), and are not what this test is about.
            await().atMost(WAIT).untilAsserted(() -> {
                for (int i = 0; i < 5; i++) {
                    assertThat(seen).as("events seen so far").contains("p" + i + " UP", "p" + i + " LEFT");
                }
            });
        } finally {
            pool.shutdownNow();
        }
        assertThat(most[0]).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            assertThat(seen.indexOf("p" + i + " UP")).isLessThan(seen.indexOf("p" + i + " LEFT"));
        }
    }
}
