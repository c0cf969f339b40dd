package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.internal.delivery.OutboundStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each outbound stream lives on the event loop of its current connection, on the side that accepted it as well as
 * on the side that dialled it: so in steady state no Envelope write crosses threads. Nodes with several event
 * loops, several peers and connections both dialled and accepted, cut and made again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnvelopeWritesStayOnTheirLoopTest {

    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(Node::close);
    }

    @Test
    void noEnvelopeIsWrittenFromAThreadOtherThanItsChannelsOnEitherSide() throws Exception {
        Node a = start(Node.builder().id("a").ioThreads(4));
        Node b = start(Node.builder().id("b").ioThreads(4).peer("a", "127.0.0.1", a.localAddress().getPort()));
        Node c = start(Node.builder().id("c").ioThreads(4).peer("a", "127.0.0.1", a.localAddress().getPort())
                .peer("b", "127.0.0.1", b.localAddress().getPort()));
        awaitMesh();

        for (int round = 0; round < 3; round++) {
            exchange(200);
        }

        for (Node n : nodes) {
            for (OutboundStream s : n.parts().delivery().streams()) {
                assertThat(s.crossThreadWrites()).as("Envelope writes off their channel's loop, %s %s", n.id(), s)
                        .isZero();
            }
        }
    }

    private void exchange(int perPair) throws Exception {
        List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
        for (Node from : nodes) {
            for (Node to : nodes) {
                if (from != to) {
                    for (int i = 0; i < perPair; i++) {
                        receipts.add(from.send(to.id(), ("m" + i).getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    private Node start(NodeBuilder builder) {
        Node n = builder.heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5)).build().start();
        nodes.add(n);
        return n;
    }

    private void awaitMesh() {
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .allMatch(n -> n.peers().stream().filter(p -> p.state() == PeerState.UP).count() == nodes.size() - 1));
    }
}
