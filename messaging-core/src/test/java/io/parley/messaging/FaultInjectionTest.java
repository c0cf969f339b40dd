package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.FaultInjectingProxy.Fault;
import io.parley.messaging.FaultInjectingProxy.FaultPlan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes connected only through {@link FaultInjectingProxy fault-injecting proxies} that reset, cut, stall and
 * blackhole their connections at random points of the byte stream, in the middle of frames too, while each node
 * sends the other 100,000 messages: every message arrives exactly once on each side, in send order, and every
 * send future completes with a receipt.
 *
 * <p>Each node has a proxy in front of it and advertises the proxy's address, and each is configured with the
 * other's proxy, so whichever side redials after a fault goes through a proxy; neither ever learns the other's
 * real port. Heartbeats are short (200 ms, 1 s timeout), so stalls longer than a second and blackholes after the
 * handshake end in the nodes' idle detection (a blackhole during the handshake, in its 1 s timeout).
 *
 * <p>The fault plans come from one seed, {@value #DEFAULT_SEED} or {@code -Dparley.test.seed=...}, printed at the
 * start with the fault counts at the end. The seed fixes where faults fall in each connection's byte stream and
 * which kind each fault is; thread timing still varies from run to run.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FaultInjectionTest {

    static final long DEFAULT_SEED = 20261202L;
    private static final int MESSAGES = 100_000;
    /** Send futures one sender leaves outstanding at most: a few send windows, well under the node's queue limit. */
    private static final int MAX_OUTSTANDING = 4 * Limits.DEFAULT_SEND_WINDOW;
    /** Generous bound for all 200,000 futures to complete. */
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    /**
     * No future completing for this long means a link is stuck: the longest a fault can hold a link up is a stall
     * of 1.5 s, or a heartbeat or handshake timeout of 1 s and a redial within 200 ms.
     */
    private static final Duration NO_PROGRESS = Duration.ofSeconds(30);
    private static final int MIN_FAULTS = 15;

    /** Each direction of each connection injects a fault every 32 KiB to 1 MiB; one connection in ten early. */
    private static final FaultPlan PLAN = FaultPlan.every(32 * 1024, 1024 * 1024)
            .withEarlyFaults(0.1)
            .withWeights(Map.of(Fault.RESET, 2, Fault.CUT, 2, Fault.STALL, 2, Fault.BLACKHOLE, 1));

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final ExecutorService senders = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fault-test-sender");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stopSenders() {
        senders.shutdownNow();
    }

    @Test
    void hundredThousandMessagesEachWayArriveOnceAndInOrderThroughResetsCutsStallsAndBlackholes() throws Exception {
        long seed = Long.getLong("parley.test.seed", DEFAULT_SEED);
        System.out.println("FaultInjectionTest: seed " + seed + " (override with -Dparley.test.seed=...)");
        Random seeds = new Random(seed);
        List<Message> seenByA = Collections.synchronizedList(new ArrayList<>(MESSAGES));
        List<Message> seenByB = Collections.synchronizedList(new ArrayList<>(MESSAGES));

        try (FaultInjectingProxy toA = new FaultInjectingProxy(seeds.nextLong(), PLAN);
             FaultInjectingProxy toB = new FaultInjectingProxy(seeds.nextLong(), PLAN);
             Node a = node("a", toA, "b", toB, seenByA);
             Node b = node("b", toB, "a", toA, seenByB)) {
            toA.forwardTo(a.localAddress().getPort());
            toB.forwardTo(b.localAddress().getPort());
            long started = System.nanoTime();
            long deadline = started + DEADLINE.toNanos();

            Future<List<CompletableFuture<Receipt>>> fromA = senders.submit(() -> sendAll(a, b.id(), deadline));
            Future<List<CompletableFuture<Receipt>>> fromB = senders.submit(() -> sendAll(b, a.id(), deadline));
            List<CompletableFuture<Receipt>> receiptsA = awaitSender(fromA, deadline, a, b, toA, toB);
            List<CompletableFuture<Receipt>> receiptsB = awaitSender(fromB, deadline, a, b, toA, toB);
            awaitAll(receiptsA, receiptsB, deadline, a, b, toA, toB);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            Map<Fault, Integer> faults = sum(toA.counts(), toB.counts());
            System.out.printf("FaultInjectionTest: seed %d, %,d messages each way in %,d ms through %d connections "
                            + "and %d faults %s (%,d bytes forwarded)%n", seed, MESSAGES, elapsedMillis,
                    toA.accepted() + toB.accepted(), toA.faults() + toB.faults(), faults,
                    toA.forwardedBytes() + toB.forwardedBytes());

            assertExchanged(a, b, receiptsA, seenByB);
            assertExchanged(b, a, receiptsB, seenByA);
            assertThat(a.peers()).singleElement().satisfies(p -> assertThat(p.address()).contains("127.0.0.1:" + toB.port()));
            assertThat(b.peers()).singleElement().satisfies(p -> assertThat(p.address()).contains("127.0.0.1:" + toA.port()));
            assertThat(faults).as("faults injected, seed %d", seed).allSatisfy((kind, n) -> assertThat(n).as("%s", kind).isPositive());
            assertThat(toA.faults() + toB.faults()).as("faults over the run (about 35 expected; if the traffic changed, tune PLAN)")
                    .isGreaterThanOrEqualTo(MIN_FAULTS);
            // A blackhole after the handshake, or a stall over the heartbeat timeout, ends only in idle detection.
            assertThat(logs.lines()).as("a node closed a connection it heard nothing on")
                    .anyMatch(l -> l.startsWith("WARN") && l.contains("nothing heard from the peer"));
        }
    }

    /** A node reached through {@code own}, that reaches {@code peer} through {@code toPeer}. */
    private static Node node(String id, FaultInjectingProxy own, String peer, FaultInjectingProxy toPeer, List<Message> seen) {
        return Node.builder().id(id)
                .advertisedAddress("127.0.0.1:" + own.port())
                .peer(peer, "127.0.0.1", toPeer.port())
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(1))
                .handshakeTimeout(Duration.ofSeconds(1))
                .connectTimeout(Duration.ofSeconds(1))
                .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
                .onMessage(seen::add)
                .build().start();
    }

    /**
     * Sends {@link #MESSAGES} messages "sender#index" in order, with at most {@link #MAX_OUTSTANDING} futures
     * outstanding, and returns the futures in send order.
     */
    private static List<CompletableFuture<Receipt>> sendAll(Node from, NodeId to, long deadline) throws InterruptedException {
        Semaphore room = new Semaphore(MAX_OUTSTANDING);
        List<CompletableFuture<Receipt>> receipts = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            long wait = Math.min(NO_PROGRESS.toNanos(), Math.max(0, deadline - System.nanoTime()));
            if (!room.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException(from.id() + " sent " + i + " messages, and none of the last "
                        + MAX_OUTSTANDING + " completed within " + TimeUnit.NANOSECONDS.toMillis(wait) + " ms");
            }
            CompletableFuture<Receipt> f = from.send(to, payload(from.id(), i));
            f.whenComplete((r, e) -> room.release());
            receipts.add(f);
        }
        return receipts;
    }

    private static byte[] payload(NodeId sender, int index) {
        return (sender + "#" + index).getBytes(StandardCharsets.UTF_8);
    }

    private static List<CompletableFuture<Receipt>> awaitSender(Future<List<CompletableFuture<Receipt>>> sender, long deadline,
                                                                Node a, Node b, FaultInjectingProxy toA, FaultInjectingProxy toB)
            throws InterruptedException {
        try {
            return sender.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return fail("a sender did not finish: " + e + state(a, b, toA, toB), e);
        }
    }

    private static void awaitAll(List<CompletableFuture<Receipt>> fromA, List<CompletableFuture<Receipt>> fromB, long deadline,
                                 Node a, Node b, FaultInjectingProxy toA, FaultInjectingProxy toB) throws InterruptedException {
        List<CompletableFuture<Receipt>> all = new ArrayList<>(fromA);
        all.addAll(fromB);
        CompletableFuture<Void> done = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        long open = Long.MAX_VALUE;
        long lastProgress = System.nanoTime();
        while (true) {
            try {
                done.get(1, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                long now = System.nanoTime();
                long stillOpen = all.stream().filter(f -> !f.isDone()).count();
                if (stillOpen < open) {
                    open = stillOpen;
                    lastProgress = now;
                } else if (now - lastProgress > NO_PROGRESS.toNanos() || now > deadline) {
                    fail("send futures still incomplete, none completed for " + NO_PROGRESS.toSeconds() + " s or the "
                            + DEADLINE.toMinutes() + " minutes are up: " + incomplete("a", fromA) + ", "
                            + incomplete("b", fromB) + state(a, b, toA, toB));
                }
            } catch (ExecutionException e) {
                fail("a send failed" + state(a, b, toA, toB), e.getCause());
            }
        }
    }

    private static String incomplete(String sender, List<CompletableFuture<Receipt>> futures) {
        int[] open = IntStream.range(0, futures.size()).filter(i -> !futures.get(i).isDone()).toArray();
        return sender + " has " + open.length + " open" + (open.length == 0 ? "" : ", the first #" + open[0] + ", the last #" + open[open.length - 1]);
    }

    private static String state(Node a, Node b, FaultInjectingProxy toA, FaultInjectingProxy toB) {
        List<String> log = new ArrayList<>(toA.faultLog().stream().map(l -> "to a: " + l).toList());
        log.addAll(toB.faultLog().stream().map(l -> "to b: " + l).toList());
        return "\n  a's peers: " + a.peers() + "\n  b's peers: " + b.peers() + "\n  " + toA + "\n  " + toB
                + "\n  faults:\n    " + String.join("\n    ", log);
    }

    /**
     * What {@code from} sent {@code to}: every future completed with a receipt, the sender's history holds each
     * message once, DELIVERED, in send order; the receiver's holds each once with sequence 1..n in order and the
     * same ids and clocks; and the receiver's listener saw each once, in send order.
     */
    private static void assertExchanged(Node from, Node to, List<CompletableFuture<Receipt>> receipts, List<Message> seen) {
        String stream = from.id() + " to " + to.id();
        List<Message> sent = history(from, to.id(), Direction.SENT);
        List<Message> received = history(to, from.id(), Direction.RECEIVED);
        assertThat(receipts).as("%s: futures", stream).hasSize(MESSAGES);
        assertThat(sent).as("%s: sent rows", stream).hasSize(MESSAGES);
        assertThat(received).as("%s: received rows", stream).hasSize(MESSAGES);
        assertThat(received).as("%s: received ids", stream).extracting(Message::id).doesNotHaveDuplicates();
        for (int i = 0; i < MESSAGES; i++) {
            Receipt receipt = receipts.get(i).join();
            Message s = sent.get(i);
            Message r = received.get(i);
            String expected = from.id() + "#" + i;
            if (receipt.status() != DeliveryStatus.DELIVERED || !receipt.messageId().equals(s.id())
                    || receipt.receiverTimeMicros() != s.receiverTimeMicros()) {
                fail("%s: receipt of #%d %s does not match the sent row %s", stream, i, receipt, s);
            }
            if (s.sequence() != i + 1 || !s.text().equals(expected) || s.status() != DeliveryStatus.DELIVERED
                    || s.receiverTimeMicros() == Message.UNKNOWN_TIME) {
                fail("%s: sent row %d is %s '%s', expected sequence %d '%s' DELIVERED with a receiver time",
                        stream, i, s, s.text(), i + 1, expected);
            }
            if (r.sequence() != i + 1 || !r.id().equals(s.id()) || !r.text().equals(expected)
                    || r.status() != DeliveryStatus.RECEIVED || r.senderIncarnation() != from.incarnation()
                    || r.senderTimeMicros() != s.senderTimeMicros() || r.receiverTimeMicros() != s.receiverTimeMicros()
                    || !r.hlc().equals(s.hlc())) {
                fail("%s: received row %d is %s '%s', expected the sent row %s '%s'", stream, i, r, r.text(), s, expected);
            }
        }
        // The listener is handed each message before its ack is sent, but may still be running behind.
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= MESSAGES);
        List<Message> seenInOrder;
        synchronized (seen) {
            seenInOrder = new ArrayList<>(seen);
        }
        assertSeenOnceInOrder(stream, seenInOrder, received);
    }

    private static void assertSeenOnceInOrder(String stream, List<Message> seen, List<Message> received) {
        Set<String> earlier = new HashSet<>();
        for (int i = 0; i < Math.min(seen.size(), MESSAGES); i++) {
            Message m = seen.get(i);
            if (!m.id().equals(received.get(i).id())) {
                fail("%s: the listener's call %d got '%s'%s, expected '%s'", stream, i, m.text(),
                        earlier.contains(m.text()) ? " a second time" : "", received.get(i).text());
            }
            earlier.add(m.text());
        }
        assertThat(seen).as("%s: listener calls", stream).hasSize(MESSAGES);
    }

    /** Every row of {@code node}'s history with {@code peer} one way, oldest first, read in pages. */
    private static List<Message> history(Node node, NodeId peer, Direction direction) {
        return StoredRows.all(node::history, HistoryQuery.builder().peer(peer).direction(direction));
    }

    private static Map<Fault, Integer> sum(Map<Fault, Integer> x, Map<Fault, Integer> y) {
        Map<Fault, Integer> out = new EnumMap<>(x);
        y.forEach((k, v) -> out.merge(k, v, Integer::sum));
        return out;
    }
}
