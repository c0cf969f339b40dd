package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One message to every known peer, with a receipt per peer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BroadcastTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private Node start(NodeBuilder builder) {
        Node n = builder.reconnect(Duration.ofMillis(20), Duration.ofMillis(200)).build().start();
        resources.add(n);
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void awaitUp(Node n, int peers) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(n.peers()).hasSize(peers)
                .allMatch(p -> p.state() == PeerState.UP));
    }

    private static Set<NodeId> ids(Node... nodes) {
        return java.util.Arrays.stream(nodes).map(Node::id).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void everyPeerStoresTheSameMessageOnceAndEachHasAReceipt() {
        Node hub = start(Node.builder().id("hub"));
        Node a = start(Node.builder().id("a").seed("127.0.0.1:" + hub.localAddress().getPort()));
        Node b = start(Node.builder().id("b").seed("127.0.0.1:" + hub.localAddress().getPort()));
        Node c = start(Node.builder().id("c").seed("127.0.0.1:" + hub.localAddress().getPort()));
        awaitUp(hub, 3);

        BroadcastReceipt receipt = hub.broadcast(utf8("to all")).join();

        assertThat(receipt.isComplete()).isTrue();
        assertThat(receipt.delivered().keySet()).isEqualTo(ids(a, b, c));
        assertThat(receipt.pending()).isEmpty();
        assertThat(receipt.failed()).isEmpty();
        for (Node peer : List.of(a, b, c)) {
            Receipt r = receipt.delivered().get(peer.id());
            assertThat(r.messageId()).isEqualTo(receipt.messageId());
            assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
            List<Message> stored = peer.history(HistoryQuery.builder().direction(Direction.RECEIVED).build());
            assertThat(stored).singleElement().satisfies(m -> {
                assertThat(m.id()).isEqualTo(receipt.messageId());
                assertThat(m.text()).isEqualTo("to all");
                assertThat(m.senderTimeMicros()).isEqualTo(r.senderTimeMicros());
                assertThat(m.receiverTimeMicros()).isEqualTo(r.receiverTimeMicros());
            });
        }
        List<Message> sent = hub.history(HistoryQuery.builder().direction(Direction.SENT).build());
        assertThat(sent).hasSize(3).allMatch(m -> m.id().equals(receipt.messageId()) && m.status() == DeliveryStatus.DELIVERED);
        assertThat(sent).extracting(Message::recipient).containsExactlyInAnyOrderElementsOf(ids(a, b, c));
    }

    @Test
    void submitBroadcastTellsTheOneIdAtOnceThatEveryPeerStoresAndEachPeersReceipt() throws Exception {
        Node hub = start(Node.builder().id("hub"));
        Node a = start(Node.builder().id("a").seed("127.0.0.1:" + hub.localAddress().getPort()));
        Node b = start(Node.builder().id("b").seed("127.0.0.1:" + hub.localAddress().getPort()));
        Node c = start(Node.builder().id("c").seed("127.0.0.1:" + hub.localAddress().getPort()));
        awaitUp(hub, 3);

        BroadcastSubmission submitted = hub.submitBroadcast(utf8("to all, with the id at once"), null);

        assertThat(submitted.messageId()).isPresent();
        UUID id = submitted.messageId().get();
        assertThat(submitted.receipts().keySet()).containsExactly(a.id(), b.id(), c.id());
        for (Node peer : List.of(a, b, c)) {
            Receipt r = submitted.receipts().get(peer.id()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.messageId()).isEqualTo(id);
            assertThat(r.peer()).isEqualTo(peer.id());
            assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
            assertThat(peer.history(HistoryQuery.builder().direction(Direction.RECEIVED).build())).singleElement()
                    .satisfies(m -> {
                        assertThat(m.id()).isEqualTo(id);
                        assertThat(m.sender()).isEqualTo(hub.id());
                        assertThat(m.text()).isEqualTo("to all, with the id at once");
                    });
        }
        BroadcastReceipt whole = submitted.receipt().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(whole.messageId()).isEqualTo(id);
        assertThat(whole.isComplete()).isTrue();
        assertThat(whole.delivered().keySet()).isEqualTo(ids(a, b, c));
        assertThat(hub.history(HistoryQuery.builder().direction(Direction.SENT).build())).hasSize(3)
                .allMatch(m -> m.id().equals(id) && m.status() == DeliveryStatus.DELIVERED);
    }

    @Test
    void submitBroadcastGivesEveryCopyItsTimeToLive() throws Exception {
        Node a = start(Node.builder().id("a"));
        Node hub = start(Node.builder().id("hub").peer("a", "127.0.0.1", a.localAddress().getPort())
                .peer("gone", "127.0.0.1", 1)); // nothing listens on port 1
        await().atMost(WAIT).until(() -> hub.peers().stream().anyMatch(p -> p.id().value().equals("a") && p.state() == PeerState.UP));

        BroadcastSubmission submitted = hub.submitBroadcast(utf8("soon stale"), Duration.ofMillis(200));

        assertThat(submitted.receipts().get(a.id())).succeedsWithin(WAIT)
                .satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(submitted.receipts().get(NodeId.of("gone"))).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(MessageExpiredException.class);
        BroadcastReceipt whole = submitted.receipt().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(whole.delivered().keySet()).containsExactly(a.id());
        assertThat(whole.failed()).containsOnlyKeys(NodeId.of("gone"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(hub.history(HistoryQuery.builder().peer("gone").build()))
                .singleElement().satisfies(m -> {
                    assertThat(m.id()).isEqualTo(submitted.messageId().orElseThrow());
                    assertThat(m.status()).isEqualTo(DeliveryStatus.EXPIRED);
                }));
        assertThatIllegalArgumentException().isThrownBy(() -> hub.submitBroadcast(new byte[1], Duration.ZERO));
    }

    @Test
    void atTheDeadlineAPeerThatIsDownIsReportedPendingAndGetsTheMessageWhenItReturns() throws Exception {
        FaultInjectingProxy toC = new FaultInjectingProxy(); // resets every connection until it has a target: c is down
        resources.add(toC);
        Node a = start(Node.builder().id("a"));
        Node hub = start(Node.builder().id("hub").peer("a", "127.0.0.1", a.localAddress().getPort())
                .peer("c", "127.0.0.1", toC.port()));
        await().atMost(WAIT).until(() -> hub.peers().stream().anyMatch(p -> p.id().value().equals("a") && p.state() == PeerState.UP));

        long started = System.nanoTime();
        CompletableFuture<BroadcastReceipt> report = hub.broadcast(utf8("while c is down"), Duration.ofMillis(500));
        BroadcastReceipt receipt = report.get(10, TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(receipt.isComplete()).isFalse();
        assertThat(receipt.delivered().keySet()).containsExactly(a.id());
        assertThat(receipt.pending()).containsExactly(NodeId.of("c"));
        assertThat(receipt.failed()).isEmpty();
        assertThat(receipt.peers()).containsExactly(a.id(), NodeId.of("c"));

        Node c = start(Node.builder().id("c"));
        toC.forwardTo(c.localAddress().getPort());

        await().atMost(WAIT).untilAsserted(() -> assertThat(c.history(HistoryQuery.builder().build()))
                .singleElement().satisfies(m -> assertThat(m.id()).isEqualTo(receipt.messageId())));
        await().atMost(WAIT).untilAsserted(() -> assertThat(hub.history(HistoryQuery.builder().peer(c.id()).build()))
                .singleElement().satisfies(m -> assertThat(m.status()).isEqualTo(DeliveryStatus.DELIVERED)));
    }

    @Test
    void aPeerWhoseQueueIsFullIsReportedFailedAndTheOthersStillGetIt() {
        Node a = start(Node.builder().id("a"));
        Limits one = Limits.builder().sendWindow(1).maxQueuedPerPeer(1).build();
        Node hub = start(Node.builder().id("hub").limits(one).peer("a", "127.0.0.1", a.localAddress().getPort())
                .peer("gone", "127.0.0.1", 1)); // nothing listens on port 1
        await().atMost(WAIT).until(() -> hub.peers().stream().anyMatch(p -> p.id().value().equals("a") && p.state() == PeerState.UP));

        BroadcastReceipt first = hub.broadcast(utf8("one"), Duration.ofMillis(300)).join();
        BroadcastReceipt second = hub.broadcast(utf8("two"), Duration.ofSeconds(10)).join();

        assertThat(first.pending()).containsExactly(NodeId.of("gone"));
        assertThat(second.delivered().keySet()).containsExactly(a.id());
        assertThat(second.failed()).containsOnlyKeys(NodeId.of("gone"));
        assertThat(second.failed().get(NodeId.of("gone"))).isInstanceOf(BackpressureException.class);
        assertThat(second.pending()).isEmpty();
    }

    @Test
    void aNodeWithoutPeersReportsAnEmptyBroadcastAtOnce() {
        Node alone = start(Node.builder().id("alone"));

        BroadcastReceipt receipt = alone.broadcast(utf8("anyone?")).join();

        assertThat(receipt.peers()).isEmpty();
        assertThat(receipt.isComplete()).isTrue();
    }

    @Test
    void whatCannotBeSentAtAllFailsTheWholeBroadcast() {
        Node n = start(Node.builder().id("n").limits(Limits.builder().maxPayloadBytes(10).maxFrameBytes(2048).build()));

        assertThat(n.broadcast(new byte[11])).failsWithin(WAIT).withThrowableThat()
                .havingCause().isInstanceOf(PayloadTooLargeException.class);
        assertThatIllegalArgumentException().isThrownBy(() -> n.broadcast(new byte[1], Duration.ZERO));
        BroadcastSubmission tooLarge = n.submitBroadcast(new byte[11], null);
        assertThat(tooLarge.messageId()).isEmpty();
        assertThat(tooLarge.receipts()).isEmpty();
        assertThat(tooLarge.receipt()).failsWithin(WAIT).withThrowableThat()
                .havingCause().isInstanceOf(PayloadTooLargeException.class);
        n.close();
        assertThat(n.broadcast(new byte[1])).failsWithin(WAIT).withThrowableThat()
                .havingCause().isInstanceOf(NodeClosedException.class);
    }
}
