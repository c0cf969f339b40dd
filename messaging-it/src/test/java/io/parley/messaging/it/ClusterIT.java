package io.parley.messaging.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.it.Deliveries.Both;
import io.parley.messaging.it.NodeApi.Row;
import io.parley.messaging.it.Traffic.Pair;
import io.parley.messaging.it.Traffic.Sent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Five nodes, each in a container of its own with its own address and volume, shaped as docker/compose.yaml shapes
 * them (n1 to n4 find the others by the name they share, {@code --dns parley:7000}; n5 by {@code --seed n1:7000}),
 * and n5's clock runs 5 s ahead ({@code --clock-offset 5s}). One cluster serves every test; each test starts from every
 * node seeing every other UP and checks only the messages it sent, so each stands alone in any order. They are
 * ordered only so that the quick ones run first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Duration DELIVER = Duration.ofSeconds(120);
    private static final String SKEWED = "n5";
    private static final Duration SKEW = Duration.ofSeconds(5);

    private static Cluster cluster;

    @BeforeAll
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    static void startCluster() {
        Docker.require();
        Docker.removeLeftovers();
        String image = NodeImage.get();
        List<String> dns = List.of("--dns", Cluster.SERVICE_NAME + ":" + NodeContainer.PEER_PORT);
        cluster = Cluster.start(image, List.of(
                new Cluster.Spec("n1", dns), new Cluster.Spec("n2", dns), new Cluster.Spec("n3", dns),
                new Cluster.Spec("n4", dns),
                new Cluster.Spec(SKEWED, List.of("--seed", "n1:" + NodeContainer.PEER_PORT, "--clock-offset", "5s"))));
        cluster.awaitAllUp(CONVERGE);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void everyContainerTurnsHealthyByItsImagesHealthcheck() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(cluster.ids()).allSatisfy(id -> assertThat(cluster.node(id).health()).as(id).isEqualTo("healthy")));
    }

    @Test
    @Order(2)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyNodeSendsTwoHundredMessagesToEveryOtherAndEachEndsDeliveredAndStoredOnceWithTheSendersClock() throws Exception {
        cluster.awaitAllUp(CONVERGE);
        ExecutorService senders = Executors.newFixedThreadPool(cluster.ids().size());
        List<Sent> sent = new ArrayList<>();
        try {
            List<CompletableFuture<List<Sent>>> each = cluster.ids().stream()
                    .map(from -> CompletableFuture.supplyAsync(() -> Traffic.burst(cluster,
                            cluster.others(from).stream().map(to -> new Pair(from, to)).toList(), "all", 200), senders))
                    .toList();
            for (CompletableFuture<List<Sent>> f : each) {
                sent.addAll(f.get(3, TimeUnit.MINUTES));
            }
        } finally {
            senders.shutdownNow();
        }
        assertThat(sent).hasSize(5 * 4 * 200);

        Map<String, List<Both>> pairs = Deliveries.awaitDeliveredOnceInOrder(cluster, sent, DELIVER);
        assertThat(pairs).hasSize(20).allSatisfy((pair, messages) -> assertThat(messages).hasSize(200));
    }

    @Test
    @Order(3)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aNodeWhoseClockRunsFiveSecondsAheadShowsItInStoredSenderTimesAndInItsPeersOffsetEstimates() {
        cluster.awaitAllUp(CONVERGE);
        Instant before = Instant.now();
        List<Sent> sent = Traffic.burst(cluster, cluster.others(SKEWED).stream()
                .flatMap(o -> Stream.of(new Pair(SKEWED, o), new Pair(o, SKEWED))).toList(), "clock", 5);
        Instant after = Instant.now();
        Map<String, List<Both>> pairs = Deliveries.awaitDeliveredOnceInOrder(cluster, sent, DELIVER);

        // Containers share the host's clock: the sender's clock is this host's, plus 5 s on n5.
        for (List<Both> pair : pairs.values()) {
            for (Both b : pair) {
                Duration skew = b.sent().from().equals(SKEWED) ? SKEW : Duration.ZERO;
                assertThat(b.onSender().senderTime().minus(skew)).as("%s: sender time less its skew", b.sent().text())
                        .isBetween(before.minusMillis(50), after.plusMillis(50));
                Duration senderMinusReceiver = Duration.between(b.onReceiver().receiverTime(), b.onReceiver().senderTime());
                Duration expected = b.sent().from().equals(SKEWED) ? SKEW : SKEW.negated();
                // The receiver's clock reads later than the sender's by the message's transit time, under a second.
                assertThat(senderMinusReceiver).as("%s: sender time minus receiver time, on the receiver", b.sent().text())
                        .isBetween(expected.minusSeconds(1), expected.plusMillis(50));
            }
        }

        Duration tolerance = Duration.ofMillis(250);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (String other : cluster.others(SKEWED)) {
                assertThat(micros(cluster.api(other).peer(SKEWED).clockOffsetMicros())).as("%s's estimate of n5's offset", other)
                        .isBetween(SKEW.minus(tolerance), SKEW.plus(tolerance));
                assertThat(micros(cluster.api(SKEWED).peer(other).clockOffsetMicros())).as("n5's estimate of %s's offset", other)
                        .isBetween(SKEW.negated().minus(tolerance), SKEW.negated().plus(tolerance));
                for (String third : cluster.others(other)) {
                    if (!third.equals(SKEWED)) {
                        assertThat(micros(cluster.api(other).peer(third).clockOffsetMicros()))
                                .as("%s's estimate of %s's offset (one host clock)", other, third)
                                .isBetween(tolerance.negated(), tolerance);
                    }
                }
            }
        });
    }

    @Test
    @Order(4)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNodeCutOffTheNetworkForTenSecondsGetsAndSendsEveryMessageOnceInOrderAndIsSeenDownThenUp() {
        cluster.awaitAllUp(CONVERGE);
        String cut = "n3";
        List<String> others = cluster.others(cut);
        List<Pair> pairs = others.stream().flatMap(o -> Stream.of(new Pair(o, cut), new Pair(cut, o))).toList();
        List<Sent> duringCut;
        List<Sent> sent;
        try (PeerStates states = PeerStates.watch(cluster, cut, others);
             Traffic traffic = Traffic.stream(cluster, pairs, "part", 100)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.ticks() >= 10);

            cluster.node(cut).cut();
            long cutAt = System.nanoTime();
            int firstCutTick = traffic.ticks() + 1;
            // Ten seconds apart, and long enough for every other node to have judged it DOWN.
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(() ->
                    System.nanoTime() - cutAt >= Duration.ofSeconds(10).toNanos()
                            && others.stream().allMatch(o -> states.seenBy(o).contains("DOWN")));
            // Everything sent since the cut waits in its sender's store: none of it could cross.
            duringCut = traffic.sent().stream().filter(s -> s.tick() >= firstCutTick).toList();
            assertThat(duringCut.stream().map(Sent::pair).distinct()).as("pairs that sent during the cut").hasSize(pairs.size());
            assertThat(duringCut.stream().collect(Collectors.groupingBy(Sent::pair, Collectors.counting())).values())
                    .as("messages per pair during the cut").allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(50));
            assertStatus(duringCut, "PENDING");

            cluster.node(cut).heal();
            int healTick = traffic.ticks();
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.ticks() >= healTick + 10);
            sent = traffic.stop();

            Deliveries.awaitDeliveredOnceInOrder(cluster, sent, DELIVER);
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(others)
                    .allSatisfy(o -> assertThat(last(states.seenBy(o))).as("%s's view of %s", o, cut).isEqualTo("UP")));
            assertThat(others).allSatisfy(o -> assertThat(states.seenBy(o)).as("what %s said of %s", o, cut)
                    .containsSubsequence("UP", "DOWN", "UP"));
        }
        assertThat(sent).containsAll(duringCut);
    }

    @Test
    @Order(5)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNodeKilledDuringAStreamToItAndRestartedOnItsVolumeMissesNothingAckedAndStoresNothingTwice() {
        cluster.awaitAllUp(CONVERGE);
        String victim = "n4";
        List<Pair> pairs = List.of(new Pair("n1", victim), new Pair("n2", victim));
        Set<String> ackedBeforeKill;
        List<Sent> sent;
        try (Traffic traffic = Traffic.stream(cluster, pairs, "crash", 20)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.api(victim).messages("n1").stream().filter(r -> r.text().startsWith("crash-")).count() >= 200);

            cluster.node(victim).kill();
            int killTick = traffic.ticks();
            ackedBeforeKill = Stream.of("n1", "n2")
                    .flatMap(from -> cluster.api(from).messages(victim).stream())
                    .filter(r -> r.text().startsWith("crash-") && r.status().equals("DELIVERED"))
                    .map(Row::text).collect(Collectors.toSet());
            assertThat(ackedBeforeKill).as("messages acknowledged before the kill").hasSizeGreaterThanOrEqualTo(100);

            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.ticks() >= killTick + 50); // sent while it is dead
            cluster.node(victim).restart();
            int restartTick = traffic.ticks();
            await().atMost(Duration.ofSeconds(30)).until(() -> traffic.ticks() >= restartTick + 50);
            sent = traffic.stop();
        }
        assertThat(sent.stream().filter(s -> !ackedBeforeKill.contains(s.text())))
                .as("messages the stream sent that were not acknowledged before the kill").hasSizeGreaterThan(100);

        Deliveries.awaitDeliveredOnceInOrder(cluster, sent, DELIVER);
        Set<String> stored = Stream.of("n1", "n2").flatMap(from -> cluster.api(victim).messages(from).stream())
                .map(Row::text).collect(Collectors.toSet());
        assertThat(stored).as("what the restarted node holds").containsAll(ackedBeforeKill);
    }

    @Test
    @Order(6)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNodeStoppedGracefullyIsSeenLeftAndItsUnsentBacklogIsDeliveredWhenItReturns() {
        cluster.awaitAllUp(CONVERGE);
        String stopped = "n2";
        String unreachable = "n5"; // keeps n2's messages to it unsent until n2 has stopped
        List<String> observers = List.of("n1", "n3", "n4");
        List<Sent> backlog;
        List<Sent> whileStopped;
        try (PeerStates states = PeerStates.watch(cluster, stopped, observers)) {
            cluster.node(unreachable).cut();
            backlog = Traffic.burst(cluster, List.of(new Pair(stopped, unreachable)), "backlog", 100);
            assertStatus(backlog, "PENDING");

            long exit = cluster.node(stopped).stopGracefully();
            assertThat(exit).as("exit status: SIGTERM after the shutdown hook closed the node, not Docker's SIGKILL")
                    .isEqualTo(143);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(observers).allSatisfy(o -> assertThat(cluster.api(o).peer(stopped).state()).as(o).isEqualTo("LEFT")));

            whileStopped = Traffic.burst(cluster, observers.stream().map(o -> new Pair(o, stopped)).toList(), "away", 50);
            assertStatus(whileStopped, "PENDING");
            // n5 is back, but n2's messages to it wait in n2's store until n2 is.
            cluster.node(unreachable).heal();
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> cluster.api(unreachable).peer("n1").state().equals("UP"));

            cluster.node(stopped).restart();
            Deliveries.awaitDeliveredOnceInOrder(cluster, backlog, DELIVER);
            Deliveries.awaitDeliveredOnceInOrder(cluster, whileStopped, DELIVER);
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(observers)
                    .allSatisfy(o -> assertThat(last(states.seenBy(o))).as("%s's view of %s", o, stopped).isEqualTo("UP")));
            assertThat(observers).allSatisfy(o -> assertThat(states.seenBy(o)).as("what %s said of %s", o, stopped)
                    .containsSubsequence("UP", "LEFT", "UP"));
        }
    }

    /**
     * Every message's status on its sender is {@code status}, once the sender's store has it: the API answers 202 as
     * soon as the message has its id, and the store thread commits it a moment later.
     */
    private static void assertStatus(List<Sent> sent, String status) {
        Map<Pair, List<Sent>> byPair = sent.stream().collect(Collectors.groupingBy(s -> new Pair(s.from(), s.to())));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                byPair.forEach((pair, messages) -> {
                    Map<String, String> statuses = cluster.api(pair.from()).messages(pair.to()).stream()
                            .collect(Collectors.toMap(Row::text, Row::status, (a, b) -> a + "," + b));
                    assertThat(messages).as("%s->%s", pair.from(), pair.to())
                            .allSatisfy(s -> assertThat(statuses.get(s.text())).as(s.text()).isEqualTo(status));
                }));
    }

    private static Duration micros(long micros) {
        return Duration.ofNanos(micros * 1_000);
    }

    private static String last(List<String> states) {
        return states.isEmpty() ? null : states.get(states.size() - 1);
    }
}
