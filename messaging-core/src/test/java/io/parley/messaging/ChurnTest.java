package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.store.InMemoryMessageStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eight nodes exchange messages without pause while three of them, one after another, are stopped and started
 * again on the same (re-opened) store: the others see each leave and come back, and nothing sent is lost.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChurnTest {

    private static final int NODES = 8;
    private static final List<Integer> RESTARTED = List.of(2, 5, 7);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One node id across its restarts: its store, what its listeners saw, and the running node. */
    private final class Member {
        final String id;
        final InMemoryMessageStore store = new InMemoryMessageStore();
        final List<Message> seen = new CopyOnWriteArrayList<>();
        final List<PeerEvent> events = new CopyOnWriteArrayList<>();
        final ReentrantLock sending = new ReentrantLock();
        volatile Node node;

        Member(int i) {
            this.id = "n" + i;
        }

        void start(String seed) {
            NodeBuilder b = Node.builder().id(id).store(store).ioThreads(1)
                    .reconnect(Duration.ofMillis(20), Duration.ofMillis(500))
                    .onMessage(seen::add).onPeerEvent(events::add);
            if (seed != null) {
                b.seed(seed);
            }
            node = b.build().start();
        }
    }

    private final List<Member> members = new ArrayList<>();
    private final ScheduledExecutorService senders = Executors.newScheduledThreadPool(4);

    @AfterEach
    void closeAll() {
        senders.shutdownNow();
        members.forEach(m -> {
            if (m.node != null) {
                m.node.close();
            }
        });
    }

    record Sent(String from, String to, String text, CompletableFuture<Receipt> receipt) {
    }

    @Test
    void nodesThatRestartWhileMessagesFlowAreSeenLeavingAndReturningAndNothingIsLost() throws Exception {
        for (int i = 0; i < NODES; i++) {
            members.add(new Member(i));
        }
        members.get(0).start(null);
        String seed = "127.0.0.1:" + members.get(0).node.localAddress().getPort();
        for (int i = 1; i < NODES; i++) {
            members.get(i).start(seed);
        }
        awaitMesh();

        Queue<Sent> sent = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> rounds = new ConcurrentHashMap<>();
        for (Member from : members) {
            rounds.put(from.id, new AtomicInteger());
            senders.scheduleAtFixedRate(() -> sendRound(from, sent, rounds.get(from.id)), 0, 20, TimeUnit.MILLISECONDS);
        }

        for (int r : RESTARTED) {
            Member m = members.get(r);
            await().atMost(WAIT).until(() -> rounds.get(m.id).get() >= 10); // it sent for a while before stopping
            m.sending.lock(); // no round of its own in progress or started while it is down
            try {
                m.node.close();
                for (Member other : members) {
                    if (other != m) {
                        await().atMost(WAIT).until(() -> sawState(other, m.id, PeerState.LEFT));
                    }
                }
                m.start(seed); // a new port: the others learn it from its Hellos
            } finally {
                m.sending.unlock();
            }
            awaitMesh();
        }
        int roundsAfter = rounds.get("n0").get();
        await().atMost(WAIT).until(() -> rounds.get("n0").get() >= roundsAfter + 10); // traffic after the last return
        senders.shutdown();
        assertThat(senders.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        List<Sent> all = new ArrayList<>(sent);
        CompletableFuture.allOf(all.stream().map(Sent::receipt).toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(all).as("every send completed DELIVERED")
                .allSatisfy(s -> assertThat(s.receipt().join().status()).isEqualTo(DeliveryStatus.DELIVERED));
        System.out.printf("churn: %d messages among %d nodes while %d restarted%n", all.size(), NODES, RESTARTED.size());

        for (int r : RESTARTED) {
            String id = members.get(r).id;
            for (Member other : members) {
                if (other.id.equals(id)) {
                    continue;
                }
                List<String> changes = other.events.stream().filter(e -> e.peer().value().equals(id))
                        .map(e -> e.previous() + "→" + e.state()).toList();
                assertThat(changes).as("%s's view of %s", other.id, id).containsSubsequence("UP→LEFT", "LEFT→UP");
                assertThat(changes.get(changes.size() - 1)).endsWith("→UP");
            }
        }
        Map<String, Member> byId = members.stream().collect(Collectors.toMap(m -> m.id, m -> m));
        for (Member from : members) {
            for (Member to : members) {
                if (from != to) {
                    assertStoredOnceInOrder(from, to, all.stream()
                            .filter(s -> s.from().equals(from.id) && s.to().equals(to.id)).toList());
                }
            }
        }
        assertThat(byId).hasSize(NODES);
    }

    private void sendRound(Member from, Queue<Sent> sent, AtomicInteger rounds) {
        if (!from.sending.tryLock()) {
            return; // stopped for a restart
        }
        try {
            int round = rounds.getAndIncrement();
            for (Member to : members) {
                if (to != from) {
                    String text = from.id + ">" + to.id + "#" + round;
                    sent.add(new Sent(from.id, to.id, text, from.node.send(to.id, text.getBytes(StandardCharsets.UTF_8))));
                }
            }
        } finally {
            from.sending.unlock();
        }
    }

    private void awaitMesh() {
        await().atMost(WAIT).untilAsserted(() -> {
            for (Member m : members) {
                assertThat(m.node.peers()).as("%s's peers", m.id).hasSize(NODES - 1)
                        .allMatch(p -> p.state() == PeerState.UP);
            }
        });
    }

    private static boolean sawState(Member observer, String peer, PeerState state) {
        return observer.events.stream().anyMatch(e -> e.peer().value().equals(peer) && e.state() == state);
    }

    /** What {@code from} sent {@code to} is stored once on each side with the same ids, and seen in send order. */
    private static void assertStoredOnceInOrder(Member from, Member to, List<Sent> sent) {
        List<Message> sentRows = all(from.node, NodeId.of(to.id), Direction.SENT);
        List<Message> received = all(to.node, NodeId.of(from.id), Direction.RECEIVED);
        Set<UUID> receiptIds = sent.stream().map(s -> s.receipt().join().messageId()).collect(Collectors.toSet());
        assertThat(sentRows).as("%s>%s stored by the sender", from.id, to.id).hasSize(sent.size())
                .allMatch(m -> m.status() == DeliveryStatus.DELIVERED);
        assertThat(received).as("%s>%s stored by the receiver", from.id, to.id).hasSize(sent.size())
                .extracting(Message::id).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(receiptIds);
        List<String> expected = sent.stream().map(Sent::text).toList();
        await().atMost(WAIT).until(() -> to.seen.stream().filter(m -> m.sender().value().equals(from.id)).count() >= expected.size());
        assertThat(to.seen.stream().filter(m -> m.sender().value().equals(from.id)).map(Message::text).toList())
                .as("%s's listener saw %s's messages once, in order", to.id, from.id).containsExactlyElementsOf(expected);
    }

    private static List<Message> all(Node node, NodeId peer, Direction direction) {
        return StoredRows.all(node::history, HistoryQuery.builder().peer(peer).direction(direction));
    }
}
