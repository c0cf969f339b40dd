package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** close() called on one of the node's own threads would wait on itself, so it is refused with a clear error. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseFromOwnThreadTest {

    @Test
    void closeFromTheNodesOwnListenerIsRefused() {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Node[] self = new Node[1];
        try (Node b = Node.builder().id("b").onMessage(m -> outcome.complete(closeAndCatch(self[0]))).build().start();
             Node sender = Node.builder().id("sender").peer("b", "127.0.0.1", b.localAddress().getPort()).build().start()) {
            self[0] = b;
            assertThat(sender.send("b", bytes("close yourself"))).succeedsWithin(Duration.ofSeconds(10));

            assertThat(outcome).succeedsWithin(Duration.ofSeconds(10))
                    .isInstanceOf(IllegalStateException.class)
                    .extracting(Throwable::getMessage).asString().contains("own thread");
            assertThat(b.toString()).contains("STARTED");
        }
    }

    @Test
    void closeFromAnotherNodesListenerWorksEvenWhenTheirIdsShareAPrefix() {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Node a = Node.builder().id("a").build().start();
        // "a-b"'s threads are named parley-a-b-..., which starts like a's parley-a-...
        try (Node ab = Node.builder().id("a-b").onMessage(m -> outcome.complete(closeAndCatch(a))).build().start();
             Node sender = Node.builder().id("sender").peer("a-b", "127.0.0.1", ab.localAddress().getPort()).build().start()) {
            assertThat(sender.send("a-b", bytes("close a"))).succeedsWithin(Duration.ofSeconds(10));

            assertThat(outcome).succeedsWithin(Duration.ofSeconds(10)).isNull();
            assertThat(a.toString()).contains("CLOSED");
        } finally {
            a.close();
        }
    }

    private static Throwable closeAndCatch(Node node) {
        try {
            node.close();
            return null;
        } catch (IllegalStateException e) {
            return e;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
