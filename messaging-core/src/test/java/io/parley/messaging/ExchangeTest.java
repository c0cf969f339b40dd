package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.clock.WallClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Nodes on real loopback sockets sending to each other at the same time. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExchangeTest {

    private final List<Node> nodes = new ArrayList<>();
    private final Map<NodeId, List<Message>> seen = new ConcurrentHashMap<>();
    private final ExecutorService senders = Executors.newCachedThreadPool();

    @AfterEach
    void closeAll() {
        senders.shutdownNow();
        nodes.forEach(Node::close);
    }

    @Test
    void twoNodesSendTenThousandMessagesToEachOtherAtOnce() throws Exception {
        Node a = start(Node.builder().id("a"));
        Node b = start(Node.builder().id("b").peer("a", "127.0.0.1", a.localAddress().getPort()));
        awaitMesh();

        long started = System.nanoTime();
        Map<Node, List<CompletableFuture<Receipt>>> receipts = sendConcurrently(10_000);
        CompletableFuture.allOf(receipts.values().stream().flatMap(List::stream).toArray(CompletableFuture[]::new))
                .get(120, TimeUnit.SECONDS);
        System.out.printf("10,000 messages each way between two nodes: %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

        assertExchanged(a, b, 10_000, receipts.get(a));
        assertExchanged(b, a, 10_000, receipts.get(b));
    }

    @Test
    void fiveNodesEachSendingToEveryOtherAtOnceDeliverEveryMessageOnceInOrder() throws Exception {
        for (int i = 1; i <= 5; i++) {
            NodeBuilder builder = Node.builder().id("n" + i);
            for (Node earlier : nodes) {
                builder.peer(earlier.id().value(), "127.0.0.1", earlier.localAddress().getPort());
            }
            start(builder);
        }
        awaitMesh();

        int perPair = 2_000;
        Map<Node, List<CompletableFuture<Receipt>>> receipts = sendConcurrently(perPair);
        CompletableFuture.allOf(receipts.values().stream().flatMap(List::stream).toArray(CompletableFuture[]::new))
                .get(120, TimeUnit.SECONDS);

        for (Node from : nodes) {
            for (Node to : nodes) {
                if (from != to) {
                    List<CompletableFuture<Receipt>> toThisPeer = receipts.get(from).stream()
                            .filter(f -> f.join().peer().equals(to.id())).toList();
                    assertExchanged(from, to, perPair, toThisPeer);
                }
            }
        }
    }

    @Test
    void receiverStoresTheSendersClockExactlyAndTheReceiptCarriesTheReceiversClock() throws Exception {
        Duration skew = Duration.ofSeconds(5);
        Node ahead = start(Node.builder().id("ahead").clock(WallClock.offset(WallClock.system(), skew)));
        Node b = start(Node.builder().id("b").peer("ahead", "127.0.0.1", ahead.localAddress().getPort()));
        awaitMesh();

        Receipt receipt = ahead.send("b", bytes("from the future")).get(10, TimeUnit.SECONDS);
        long bNow = WallClock.system().nowMicros();

        Message stored = onlyMessage(b, Direction.RECEIVED);
        Message sent = onlyMessage(ahead, Direction.SENT);
        assertThat(stored.id()).isEqualTo(receipt.messageId()).isEqualTo(sent.id());
        assertThat(stored.senderTimeMicros()).isEqualTo(sent.senderTimeMicros()).isEqualTo(receipt.senderTimeMicros());
        assertThat(stored.receiverTimeMicros()).isEqualTo(receipt.receiverTimeMicros()).isEqualTo(sent.receiverTimeMicros());
        // The sender's clock runs 5 s ahead of the receiver's, and both readings are kept as each node made them.
        assertThat(receipt.senderTimeMicros() - receipt.receiverTimeMicros())
                .isBetween(skew.toNanos() / 1000 - 1_000_000, skew.toNanos() / 1000 + 1_000_000);
        assertThat(receipt.receiverTimeMicros()).isBetween(bNow - 10_000_000, bNow);
        assertThat(sent.status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(stored.status()).isEqualTo(DeliveryStatus.RECEIVED);
        // The hybrid clock of the receiver moved past the sender's, so causality holds across the skew.
        assertThat(stored.hlc().wallMicros()).isGreaterThanOrEqualTo(sent.senderTimeMicros());
        // Acks and pongs let each side estimate the other's offset (NTP-style, best round trip kept).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(peer(ahead, "b").clockOffset()).isBetween(skew.negated().minusMillis(50), skew.negated().plusMillis(50));
            assertThat(peer(b, "ahead").clockOffset()).isBetween(skew.minusMillis(50), skew.plusMillis(50));
        });
    }

    // ---- helpers

    private Node start(NodeBuilder builder) {
        NodeId id = builder.config().id();
        List<Message> inbox = new CopyOnWriteArrayList<>();
        seen.put(id, inbox);
        Node node = builder.onMessage(inbox::add).build().start();
        nodes.add(node);
        return node;
    }

    private void awaitMesh() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (Node n : nodes) {
                assertThat(n.peers()).hasSize(nodes.size() - 1).allMatch(p -> p.state() == PeerState.UP);
            }
        });
    }

    /** Every node sends {@code perPeer} messages to every other node, one sending thread per node. */
    private Map<Node, List<CompletableFuture<Receipt>>> sendConcurrently(int perPeer) throws Exception {
        Map<Node, CompletableFuture<List<CompletableFuture<Receipt>>>> started = new HashMap<>();
        for (Node from : nodes) {
            started.put(from, CompletableFuture.supplyAsync(() -> {
                List<CompletableFuture<Receipt>> out = new ArrayList<>();
                for (int i = 0; i < perPeer; i++) {
                    for (Node to : nodes) {
                        if (to != from) {
                            out.add(from.send(to.id(), bytes(from.id() + ">" + to.id() + "#" + i)));
                        }
                    }
                }
                return out;
            }, senders));
        }
        Map<Node, List<CompletableFuture<Receipt>>> receipts = new HashMap<>();
        for (var e : started.entrySet()) {
            receipts.put(e.getKey(), e.getValue().get(60, TimeUnit.SECONDS));
        }
        return receipts;
    }

    /** What {@code from} sent {@code to} is stored once on each, with the same clocks, and was seen in order. */
    private void assertExchanged(Node from, Node to, int count, List<CompletableFuture<Receipt>> receipts) {
        assertThat(receipts).hasSize(count);
        Map<UUID, Receipt> byId = receipts.stream().map(CompletableFuture::join)
                .collect(Collectors.toMap(Receipt::messageId, Function.identity()));
        assertThat(byId).hasSize(count);
        assertThat(byId.values()).allMatch(r -> r.status() == DeliveryStatus.DELIVERED);

        List<Message> sent = all(from, to.id(), Direction.SENT);
        List<Message> received = all(to, from.id(), Direction.RECEIVED);
        assertThat(sent).hasSize(count).extracting(Message::id).doesNotHaveDuplicates();
        assertThat(received).hasSize(count).extracting(Message::id).doesNotHaveDuplicates();
        Map<UUID, Message> receivedById = received.stream().collect(Collectors.toMap(Message::id, Function.identity()));
        for (Message s : sent) {
            Message r = receivedById.get(s.id());
            Receipt receipt = byId.get(s.id());
            assertThat(r).as("message %s stored on the receiver", s.id()).isNotNull();
            assertThat(s.status()).isEqualTo(DeliveryStatus.DELIVERED);
            assertThat(r.senderTimeMicros()).isEqualTo(s.senderTimeMicros()).isEqualTo(receipt.senderTimeMicros());
            assertThat(r.receiverTimeMicros()).isEqualTo(s.receiverTimeMicros()).isEqualTo(receipt.receiverTimeMicros());
            assertThat(r.hlc()).isEqualTo(s.hlc());
            assertThat(r.text()).isEqualTo(s.text());
        }

        String prefix = from.id() + ">" + to.id() + "#";
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(prefix + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.get(to.id()).stream()
                .filter(m -> m.sender().equals(from.id())).count() >= count);
        assertThat(seen.get(to.id()).stream().filter(m -> m.sender().equals(from.id())).map(Message::text).toList())
                .as("listener of %s saw %s's messages once, in send order", to.id(), from.id())
                .containsExactlyElementsOf(expected);
    }

    private static List<Message> all(Node node, NodeId peer, Direction direction) {
        return StoredRows.all(node::history, HistoryQuery.builder().peer(peer).direction(direction));
    }

    private static Message onlyMessage(Node node, Direction direction) {
        List<Message> rows = node.history(HistoryQuery.builder().direction(direction).build());
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private static PeerInfo peer(Node node, String id) {
        return node.peers().stream().filter(p -> p.id().value().equals(id)).findFirst().orElseThrow();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
