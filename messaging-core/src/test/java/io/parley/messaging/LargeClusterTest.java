package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 32 nodes in one JVM, started as a chain of seeds (node k knows only node k-1's address), find each other through
 * gossip, then all send at once: 200 messages from every node to every other and 10 broadcasts each, every one
 * stored exactly once on both sides and seen in send order per pair.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LargeClusterTest {

    private static final int NODES = 32;
    private static final int PER_PAIR = 200;
    private static final int BROADCASTS = 10;
    /** Stated bound for every node to see the 31 others UP, from the first start. */
    private static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(20);

    private final List<Node> nodes = new ArrayList<>();
    private final Map<NodeId, List<Message>> seen = new HashMap<>();
    private final ExecutorService senders = Executors.newFixedThreadPool(NODES);
    private final List<PeerEvent> alarms = new CopyOnWriteArrayList<>();
    private volatile boolean converged;

    @AfterEach
    void closeAll() {
        senders.shutdownNow();
        nodes.parallelStream().forEach(Node::close);
    }

    @Test
    void thirtyTwoNodesFromAChainOfSeedsMeetAndExchangeEveryMessageOnceInOrder() throws Exception {
        long heapBefore = heapUsedAfterGc();
        long t0 = System.nanoTime();
        for (int k = 0; k < NODES; k++) {
            NodeId id = NodeId.of(String.format("n%02d", k));
            List<Message> inbox = new CopyOnWriteArrayList<>();
            seen.put(id, inbox);
            NodeBuilder b = Node.builder().id(id).ioThreads(1).onMessage(inbox::add).onPeerEvent(e -> {
                if (converged && e.state() != PeerState.UP) {
                    alarms.add(e);
                }
            });
            if (k > 0) {
                b.seed("127.0.0.1:" + nodes.get(k - 1).localAddress().getPort());
            }
            nodes.add(b.build().start());
        }
        await().atMost(CONVERGENCE_BOUND).pollInterval(Duration.ofMillis(50)).until(() -> nodes.stream().allMatch(
                n -> n.peers().size() == NODES - 1 && n.peers().stream().allMatch(p -> p.state() == PeerState.UP)));
        long convergence = System.nanoTime() - t0;
        converged = true;

        CyclicBarrier together = new CyclicBarrier(NODES);
        List<CompletableFuture<Outbound>> sending = new ArrayList<>();
        long t1 = System.nanoTime();
        for (Node from : nodes) {
            sending.add(CompletableFuture.supplyAsync(() -> sendAll(from, together), senders));
        }
        Map<Node, Outbound> out = new HashMap<>();
        for (int k = 0; k < NODES; k++) {
            out.put(nodes.get(k), sending.get(k).get(120, TimeUnit.SECONDS));
        }
        List<CompletableFuture<?>> everything = new ArrayList<>();
        out.values().forEach(o -> {
            o.direct().values().forEach(everything::addAll);
            everything.addAll(o.broadcasts());
        });
        CompletableFuture.allOf(everything.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
        long exchanged = System.nanoTime() - t1;
        long heapAfter = heapUsedAfterGc();

        int messages = NODES * (NODES - 1) * (PER_PAIR + BROADCASTS);
        System.out.printf("%d nodes: all saw all %d others UP %d ms after the first start (bound %d s)%n", NODES,
                NODES - 1, TimeUnit.NANOSECONDS.toMillis(convergence), CONVERGENCE_BOUND.toSeconds());
        System.out.printf("%d nodes: %,d messages (%d per pair + %d broadcasts per node) acknowledged in %,d ms; "
                        + "heap used after GC %,d MB (%,d MB before the cluster started)%n",
                NODES, messages, PER_PAIR, BROADCASTS, TimeUnit.NANOSECONDS.toMillis(exchanged),
                heapAfter >> 20, heapBefore >> 20);
        System.out.printf("%d nodes: the failure detector raised %d alarms during the exchange%s%n", NODES, alarms.size(),
                alarms.isEmpty() ? "" : ": " + alarms.subList(0, Math.min(10, alarms.size())));

        for (Outbound o : out.values()) {
            for (CompletableFuture<BroadcastReceipt> b : o.broadcasts()) {
                assertThat(b.join().isComplete()).isTrue();
                assertThat(b.join().delivered()).hasSize(NODES - 1);
            }
        }
        for (Node from : nodes) {
            for (Node to : nodes) {
                if (from != to) {
                    assertExchanged(from, to, out.get(from));
                }
            }
        }
    }

    /** What one node sent: per peer, its direct messages' receipts in send order; and its broadcasts. */
    record Outbound(Map<NodeId, List<CompletableFuture<Receipt>>> direct, List<CompletableFuture<BroadcastReceipt>> broadcasts,
                    Map<NodeId, List<String>> order) {
    }

    /**
     * Every message of one node, from one thread: 200 rounds of one message to each peer, a broadcast after every
     * 20th round. Per peer, the texts in the order they were sent.
     */
    private Outbound sendAll(Node from, CyclicBarrier together) {
        try {
            together.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<NodeId, List<CompletableFuture<Receipt>>> direct = new HashMap<>();
        Map<NodeId, List<String>> order = new HashMap<>();
        List<CompletableFuture<BroadcastReceipt>> broadcasts = new ArrayList<>();
        int perBroadcast = PER_PAIR / BROADCASTS;
        for (int i = 0; i < PER_PAIR; i++) {
            for (Node to : nodes) {
                if (to != from) {
                    String text = from.id() + ">" + to.id() + "#" + i;
                    direct.computeIfAbsent(to.id(), k -> new ArrayList<>()).add(from.send(to.id(), utf8(text)));
                    order.computeIfAbsent(to.id(), k -> new ArrayList<>()).add(text);
                }
            }
            if (i % perBroadcast == perBroadcast - 1) {
                String text = "broadcast " + from.id() + "#" + i / perBroadcast;
                broadcasts.add(from.broadcast(utf8(text)));
                nodes.stream().filter(n -> n != from).forEach(n -> order.get(n.id()).add(text));
            }
        }
        return new Outbound(direct, broadcasts, order);
    }

    private void assertExchanged(Node from, Node to, Outbound o) {
        List<String> expected = o.order().get(to.id());
        assertThat(expected).hasSize(PER_PAIR + BROADCASTS);
        List<Message> sent = from.history(HistoryQuery.builder().peer(to.id()).direction(Direction.SENT).limit(1000).build());
        List<Message> received = to.history(HistoryQuery.builder().peer(from.id()).direction(Direction.RECEIVED).limit(1000).build());
        assertThat(sent).as("%s>%s on the sender", from.id(), to.id()).hasSize(expected.size())
                .allMatch(m -> m.status() == DeliveryStatus.DELIVERED);
        assertThat(received).as("%s>%s on the receiver", from.id(), to.id()).hasSize(expected.size())
                .extracting(Message::id).doesNotHaveDuplicates();
        Set<UUID> sentIds = sent.stream().map(Message::id).collect(Collectors.toSet());
        assertThat(received).extracting(Message::id).allMatch(sentIds::contains);
        Set<UUID> receiptIds = o.direct().get(to.id()).stream().map(f -> f.join().messageId()).collect(Collectors.toSet());
        assertThat(sentIds).containsAll(receiptIds);
        // Stored in send order: sequence numbers follow the order the texts were sent in.
        assertThat(received.stream().sorted(java.util.Comparator.comparingLong(Message::sequence)).map(Message::text).toList())
                .containsExactlyElementsOf(expected);
        List<String> heard = seen.get(to.id()).stream().filter(m -> m.sender().equals(from.id())).map(Message::text).toList();
        assertThat(heard).as("%s's listener, messages from %s", to.id(), from.id()).containsExactlyElementsOf(expected);
    }

    private static long heapUsedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
