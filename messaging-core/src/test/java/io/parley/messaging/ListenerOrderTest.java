package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener executor with several threads must not change what the listener sees: one call at a time, and each
 * sender's messages in the order they were sent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ListenerOrderTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SENDERS = 3;
    private static final int PER_SENDER = 3_000;

    private final AtomicInteger inListener = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final Map<NodeId, List<Integer>> seenBySender = new ConcurrentHashMap<>();
    private final Set<String> listenerThreads = ConcurrentHashMap.newKeySet();

    @Test
    void multiThreadedListenerExecutorStillCallsTheListenerOneAtATimeInSendOrderPerSender() throws Exception {
        ExecutorService listenerPool = Executors.newFixedThreadPool(4);
        ExecutorService senderThreads = Executors.newFixedThreadPool(SENDERS);
        try (Node hub = Node.builder().id("hub").onMessage(this::record).listenerExecutor(listenerPool).build().start();
             Node s1 = senderOf(hub, "s1");
             Node s2 = senderOf(hub, "s2");
             Node s3 = senderOf(hub, "s3")) {
            List<Node> senders = List.of(s1, s2, s3);
            senders.forEach(s -> awaitUp(hub, s.id()));

            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<List<CompletableFuture<Receipt>>>> sending = senders.stream()
                    .map(s -> CompletableFuture.supplyAsync(() -> sendAll(s, go), senderThreads))
                    .toList();
            go.countDown();

            for (CompletableFuture<List<CompletableFuture<Receipt>>> one : sending) {
                assertThat(one).succeedsWithin(WAIT);
                assertThat(CompletableFuture.allOf(one.join().toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
            }
            await("the listener sees every message").atMost(WAIT).until(() -> calls.get() == SENDERS * PER_SENDER);

            assertThat(mostAtOnce.get()).as("listener calls running at the same time").isEqualTo(1);
            List<Integer> inSendOrder = IntStream.range(0, PER_SENDER).boxed().toList();
            for (Node s : senders) {
                assertThat(seenBySender.get(s.id())).as("messages from %s in the order the listener saw them", s.id())
                        .isEqualTo(inSendOrder);
            }
            assertThat(listenerThreads).as("threads the listener ran on").hasSizeGreaterThan(1);
        } finally {
            senderThreads.shutdownNow();
            listenerPool.shutdown();
            assertThat(listenerPool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private void record(Message m) {
        int now = inListener.incrementAndGet();
        mostAtOnce.accumulateAndGet(now, Math::max);
        listenerThreads.add(Thread.currentThread().getName());
        seenBySender.computeIfAbsent(m.sender(), s -> new ArrayList<>()).add(Integer.parseInt(m.text()));
        Thread.yield(); // widen the window in which an overlapping call would be caught
        inListener.decrementAndGet();
        calls.incrementAndGet();
    }

    /** Waits for {@code go}, then sends {@code PER_SENDER} numbered messages to the hub without waiting for any. */
    private static List<CompletableFuture<Receipt>> sendAll(Node sender, CountDownLatch go) {
        try {
            assertThat(go.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted before sending", e);
        }
        List<CompletableFuture<Receipt>> receipts = new ArrayList<>(PER_SENDER);
        for (int i = 0; i < PER_SENDER; i++) {
            receipts.add(sender.send("hub", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        }
        return receipts;
    }

    private static Node senderOf(Node hub, String id) {
        return Node.builder().id(id).peer("hub", "127.0.0.1", hub.localAddress().getPort()).build().start();
    }

    private static void awaitUp(Node node, NodeId peer) {
        await(node.id() + " sees " + peer + " UP").atMost(Duration.ofSeconds(10))
                .until(() -> node.peers().stream().anyMatch(p -> p.id().equals(peer) && p.state() == PeerState.UP));
    }
}
