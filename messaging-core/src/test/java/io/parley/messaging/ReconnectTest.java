package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connections cut in the middle of a two-way stream: what was unacknowledged is sent again on the next
 * connection, and each message is still stored once on each side and seen once, in order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReconnectTest {

    private static final int MESSAGES = 20_000;
    private static final int CUTS = 6;

    @Test
    void messagesInFlightWhenConnectionsAreCutArriveOnceAndInOrder() throws Exception {
        List<Message> seenByA = new CopyOnWriteArrayList<>();
        List<Message> seenByB = new CopyOnWriteArrayList<>();
        Duration backoffMin = Duration.ofMillis(20);
        Duration backoffMax = Duration.ofMillis(200);
        // Every path between a and b goes through a proxy: a dials b through toB, and b dials a at a's advertised
        // address, which is toA.
        try (FaultInjectingProxy toA = new FaultInjectingProxy();
             Node b = Node.builder().id("b").onMessage(seenByB::add).reconnect(backoffMin, backoffMax).build().start();
             FaultInjectingProxy toB = new FaultInjectingProxy(b.localAddress().getPort());
             Node a = Node.builder().id("a").onMessage(seenByA::add).reconnect(backoffMin, backoffMax)
                     .advertisedAddress("127.0.0.1:" + toA.port()).peer("b", "127.0.0.1", toB.port()).build().start()) {
            toA.forwardTo(a.localAddress().getPort());
            await().atMost(Duration.ofSeconds(10)).until(() -> up(a) && up(b));

            Queue<CompletableFuture<Receipt>> all = new ConcurrentLinkedQueue<>();
            AtomicInteger sent = new AtomicInteger();
            CompletableFuture<Integer> chaos = CompletableFuture.supplyAsync(() -> {
                int settledAtFirstCut = -1;
                for (int cut = 0; cut < CUTS; cut++) {
                    int before = toA.accepted() + toB.accepted();
                    await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 1_000 && up(a) && up(b));
                    if (settledAtFirstCut < 0) {
                        settledAtFirstCut = (int) all.stream().filter(CompletableFuture::isDone).count();
                    }
                    toA.resetAll();
                    toB.resetAll();
                    // Cut again only once the nodes have reconnected through a proxy.
                    await().atMost(Duration.ofSeconds(10)).until(() -> toA.accepted() + toB.accepted() > before);
                }
                return settledAtFirstCut;
            });
            CompletableFuture<List<CompletableFuture<Receipt>>> fromB = CompletableFuture.supplyAsync(() -> sendAll(b, "a", all, sent));
            List<CompletableFuture<Receipt>> fromA = sendAll(a, "b", all, sent);
            int settledAtFirstCut = chaos.get(60, TimeUnit.SECONDS);
            fromB.get(30, TimeUnit.SECONDS);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            assertThat(settledAtFirstCut).as("the first cut came while messages were in flight").isLessThan(2 * MESSAGES);
            assertOnceAndInOrder(a, b, fromA, seenByB);
            assertOnceAndInOrder(b, a, fromB.join(), seenByA);
        }
    }

    private static List<CompletableFuture<Receipt>> sendAll(Node from, String to, Queue<CompletableFuture<Receipt>> all,
                                                           AtomicInteger sent) {
        List<CompletableFuture<Receipt>> out = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            CompletableFuture<Receipt> f = from.send(to, (from.id() + "#" + i).getBytes(StandardCharsets.UTF_8));
            out.add(f);
            all.add(f);
            sent.incrementAndGet();
        }
        return out;
    }

    private static boolean up(Node n) {
        return !n.peers().isEmpty() && n.peers().stream().allMatch(p -> p.state() == PeerState.UP);
    }

    private static void assertOnceAndInOrder(Node from, Node to, List<CompletableFuture<Receipt>> receipts, List<Message> seen) {
        Map<UUID, Receipt> byId = receipts.stream().map(CompletableFuture::join)
                .collect(Collectors.toMap(Receipt::messageId, Function.identity()));
        assertThat(byId).hasSize(MESSAGES);
        List<Message> sent = from.history(HistoryQuery.builder().direction(Direction.SENT).limit(HistoryQuery.MAX_LIMIT).build());
        List<Message> received = to.history(HistoryQuery.builder().direction(Direction.RECEIVED).limit(HistoryQuery.MAX_LIMIT).build());
        assertThat(sent).hasSize(MESSAGES).allMatch(m -> m.status() == DeliveryStatus.DELIVERED);
        assertThat(received).hasSize(MESSAGES).extracting(Message::id).doesNotHaveDuplicates();
        Set<UUID> sentIds = sent.stream().map(Message::id).collect(Collectors.toSet());
        assertThat(received).extracting(Message::id).allMatch(sentIds::contains);
        Map<UUID, Message> receivedById = received.stream().collect(Collectors.toMap(Message::id, Function.identity()));
        for (Message s : sent) {
            Message r = receivedById.get(s.id());
            assertThat(r.senderTimeMicros()).isEqualTo(s.senderTimeMicros());
            assertThat(r.receiverTimeMicros()).isEqualTo(s.receiverTimeMicros()).isEqualTo(byId.get(s.id()).receiverTimeMicros());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= MESSAGES);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            expected.add(from.id() + "#" + i);
        }
        assertThat(seen).extracting(Message::text).containsExactlyElementsOf(expected);
    }
}
