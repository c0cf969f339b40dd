package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link Node#send} does when it cannot deliver at once: fail fast, or wait, as its contract says. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SendErrorsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void sendToUnknownPeerFailsAtOnceNamingThePeerAndTheKnownOnes() {
        try (Node a = Node.builder().id("a").peer("b", "127.0.0.1", 1).peer("c", "127.0.0.1", 1).build().start()) {
            CompletableFuture<Receipt> f = a.send("zed", utf8("hello?"));

            assertThat(f).isCompletedExceptionally();
            assertThat(f).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(UnknownPeerException.class)
                    .withMessageContaining("'zed'")
                    .withMessageContaining("knows b, c");
        }
    }

    @Test
    void payloadOverTheLimitFailsWithPayloadTooLargeAndOneAtTheLimitIsDelivered() {
        Limits limits = Limits.builder().maxPayloadBytes(1024).build();
        try (Node b = Node.builder().id("b").build().start();
             Node a = Node.builder().id("a").limits(limits).peer("b", "127.0.0.1", b.localAddress().getPort())
                     .build().start()) {
            CompletableFuture<Receipt> tooBig = a.send("b", new byte[1025]);

            assertThat(tooBig).isCompletedExceptionally();
            assertThat(tooBig).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(PayloadTooLargeException.class)
                    .withMessageContaining("1025")
                    .withMessageContaining("1024");
            assertThat(a.send("b", new byte[1024])).succeedsWithin(WAIT)
                    .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
        }
    }

    @Test
    void withAStoreThatIsNotDurableASendPastTheBodyBytesInMemoryFailsAtOnceNamingTheBound() {
        Limits limits = Limits.builder().maxBodyBytesInMemory(1000).build();
        try (Node a = Node.builder().id("a").limits(limits).peer("b", "127.0.0.1", 1).build().start()) {
            CompletableFuture<Receipt> first = a.send("b", new byte[400]);
            CompletableFuture<Receipt> second = a.send("b", new byte[400]);
            CompletableFuture<Receipt> third = a.send("b", new byte[400]); // b never answers: all stay in memory

            assertThat(third).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(BackpressureException.class)
                    .withMessageContaining("maxBodyBytesInMemory (1000)");
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();
            assertThat(a.limitsReached().get(Limit.BODY_BYTES_IN_MEMORY)).isEqualTo(1);
            assertThat(a.send("b", new byte[200])).as("what still fits is taken").isNotDone();
        }
    }

    @Test
    void sendAfterCloseFailsWithNodeClosed() {
        try (Node b = Node.builder().id("b").build().start();
             Node a = Node.builder().id("a").peer("b", "127.0.0.1", b.localAddress().getPort()).build().start()) {
            a.close();

            CompletableFuture<Receipt> f = a.send("b", utf8("too late"));

            assertThat(f).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(NodeClosedException.class)
                    .withMessageContaining("a is closed");
        }
    }

    @Test
    void sendBeforeStartThrowsIllegalState() {
        try (Node a = Node.builder().id("a").peer("b", "127.0.0.1", 1).build()) {
            assertThatThrownBy(() -> a.send("b", utf8("too early")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("start()");
        }
    }

    @Test
    void sendToADownPeerWaitsAndIsDeliveredOnceThePeerComesBackOnItsPort() {
        List<Message> seenByNewB = new CopyOnWriteArrayList<>();
        try (Node b = Node.builder().id("b").build().start()) {
            int port = b.localAddress().getPort();
            try (Node a = Node.builder().id("a").peer("b", "127.0.0.1", port)
                    .reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).build().start()) {
                awaitState(a, "b", PeerState.UP);
                b.close();
                await().atMost(WAIT).until(() -> peer(a, "b").state() != PeerState.UP);

                CompletableFuture<Receipt> f = a.send("b", utf8("are you back?"));

                await("the send stays pending while b is down").during(Duration.ofMillis(500)).atMost(WAIT)
                        .until(() -> !f.isDone());
                try (Node newB = Node.builder().id("b").listen("127.0.0.1", port).onMessage(seenByNewB::add)
                        .build().start()) {
                    assertThat(f).succeedsWithin(WAIT)
                            .satisfies(r -> {
                                assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
                                assertThat(r.peer()).isEqualTo(NodeId.of("b"));
                            });
                    await().atMost(WAIT).until(() -> seenByNewB.size() == 1);
                    assertThat(seenByNewB.get(0).text()).isEqualTo("are you back?");
                    assertThat(newB.incarnation()).isNotEqualTo(b.incarnation());
                }
            }
        }
    }

    @Test
    void closeFailsAMessagePendingForADownPeerWithinTheCloseTimeout() {
        int deadPort;
        try (Node gone = Node.builder().id("b").build().start()) {
            deadPort = gone.localAddress().getPort();
        }
        Duration closeTimeout = Duration.ofMillis(200);
        try (Node a = Node.builder().id("a").peer("b", "127.0.0.1", deadPort).closeTimeout(closeTimeout)
                .build().start()) {
            CompletableFuture<Receipt> f = a.send("b", utf8("nobody home"));
            await("the send stays pending while b is down").during(Duration.ofMillis(300)).atMost(WAIT)
                    .until(() -> !f.isDone());

            AtomicLong failedAt = new AtomicLong();
            f.whenComplete((r, e) -> failedAt.set(System.nanoTime()));
            long start = System.nanoTime();
            a.close();
            Duration closing = Duration.ofNanos(System.nanoTime() - start);

            assertThat(f).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(NodeClosedException.class)
                    .withMessageContaining("closed before the peer acknowledged");
            assertThat(Duration.ofNanos(failedAt.get() - start)).as("time from close() to the failed future")
                    .isLessThanOrEqualTo(closeTimeout);
            // Nothing is in flight to a connected peer, so close() does not wait the timeout out.
            assertThat(closing).isLessThan(Duration.ofSeconds(2));
        }
    }

    private static void awaitState(Node node, String peer, PeerState state) {
        await(node.id() + " sees " + peer + " " + state).atMost(WAIT)
                .until(() -> find(node, peer).map(PeerInfo::state).orElse(null) == state);
    }

    private static PeerInfo peer(Node node, String id) {
        return find(node, id).orElseThrow(() -> new AssertionError(node.id() + " does not know " + id));
    }

    private static Optional<PeerInfo> find(Node node, String id) {
        return node.peers().stream().filter(p -> p.id().value().equals(id)).findFirst();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
