package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two nodes that dial each other at the same moment end with exactly one connection, both agreeing which, 100 times in a row. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimultaneousDialTest {

    private static final int ROUNDS = 100;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void nodesDiallingEachOtherAtOnceKeepOneConnection() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String a = "a" + round;
            String b = "b" + round;
            try (Node na = Node.builder().id(a).build().start(); Node nb = Node.builder().id(b).build().start()) {
                CyclicBarrier together = new CyclicBarrier(2);
                CompletableFuture<Void> dialA = CompletableFuture.runAsync(() -> {
                    meet(together);
                    na.addPeer(new PeerAddress(nb.id(), "127.0.0.1", nb.localAddress().getPort()));
                });
                meet(together);
                nb.addPeer(new PeerAddress(na.id(), "127.0.0.1", na.localAddress().getPort()));
                dialA.get(10, TimeUnit.SECONDS);

                await().atMost(Duration.ofSeconds(10)).until(() -> isUp(na) && isUp(nb));
                // Traffic both ways on the kept connection.
                assertThat(na.send(nb.id(), "ping".getBytes(StandardCharsets.UTF_8))).succeedsWithin(Duration.ofSeconds(10));
                assertThat(nb.send(na.id(), "pong".getBytes(StandardCharsets.UTF_8))).succeedsWithin(Duration.ofSeconds(10));

                List<String> aConnected = connectedLines(a, b);
                List<String> bConnected = connectedLines(b, a);
                assertThat(aConnected).as("round %d: %s established one connection", round, a).hasSize(1);
                assertThat(bConnected).as("round %d: %s established one connection", round, b).hasSize(1);
                // The same connection seen from both ends: dialled on one side, accepted on the other.
                assertThat(aConnected.get(0).contains("dialled")).isNotEqualTo(bConnected.get(0).contains("dialled"));
                assertThat(logs.lines()).noneMatch(l -> l.contains(a + ": connection to " + b + " closed")
                        || l.contains(b + ": connection to " + a + " closed"));
            }
        }
    }

    private List<String> connectedLines(String self, String peer) {
        return logs.lines().stream().filter(l -> l.contains(self + ": connected to " + peer + " ")).toList();
    }

    private static boolean isUp(Node n) {
        return n.peers().size() == 1 && n.peers().get(0).state() == PeerState.UP;
    }

    private static void meet(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
