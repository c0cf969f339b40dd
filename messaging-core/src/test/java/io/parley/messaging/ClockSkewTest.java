package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.clock.WallClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Nodes whose clocks disagree: each estimates the others' offsets from acks and pongs (NTP-style, best round trip
 * kept) to within a few milliseconds on loopback, and every message keeps its sender's clock reading exactly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClockSkewTest {

    /** Largest error allowed in an offset estimate on loopback. */
    private static final Duration TOLERANCE = Duration.ofMillis(5);

    private final Map<String, Duration> skews = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(Node::close);
    }

    private Node start(String id, Duration skew, String seed) {
        skews.put(id, skew);
        NodeBuilder b = Node.builder().id(id).clock(WallClock.offset(WallClock.system(), skew))
                .heartbeat(Duration.ofMillis(100), Duration.ofSeconds(5));
        if (seed != null) {
            b.seed(seed);
        }
        Node n = b.build().start();
        nodes.add(n);
        return n;
    }

    @Test
    void offsetEstimatesLandWithinMillisecondsOfTheTrueSkewAndMessagesKeepTheSendersClock() throws Exception {
        Node zero = start("zero", Duration.ZERO, null);
        String seed = "127.0.0.1:" + zero.localAddress().getPort();
        start("zero2", Duration.ZERO, seed);
        start("ahead", Duration.ofSeconds(5), seed);
        start("behind", Duration.ofSeconds(-3), seed);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (Node n : nodes) {
                assertThat(n.peers()).hasSize(3).allMatch(p -> p.state() == PeerState.UP);
            }
        });

        // Traffic in every direction: its acks are clock samples too.
        Map<Node, List<CompletableFuture<Receipt>>> sent = new LinkedHashMap<>();
        for (Node from : nodes) {
            List<CompletableFuture<Receipt>> mine = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                for (Node to : nodes) {
                    if (to != from) {
                        mine.add(from.send(to.id(), (from.id() + ">" + to.id() + "#" + i).getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            sent.put(from, mine);
        }
        CompletableFuture.allOf(sent.values().stream().flatMap(List::stream).toArray(CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);

        // Every observer's estimate of every peer: the peer's skew minus the observer's.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (Node observer : nodes) {
                for (PeerInfo p : observer.peers()) {
                    Duration truth = skews.get(p.id().value()).minus(skews.get(observer.id().value()));
                    assertThat(p.clockOffset().minus(truth).abs()).as("%s's estimate of %s's offset (%s, truly %s)",
                            observer.id(), p.id(), p.clockOffset(), truth).isLessThanOrEqualTo(TOLERANCE);
                }
            }
        });
        for (Node observer : nodes) {
            for (PeerInfo p : observer.peers()) {
                Duration truth = skews.get(p.id().value()).minus(skews.get(observer.id().value()));
                System.out.printf("%s sees %s at %+.3f ms (truly %+d ms): error %+.3f ms, round trip %.3f ms%n",
                        observer.id(), p.id(), p.clockOffset().toNanos() / 1e6, truth.toMillis(),
                        p.clockOffset().minus(truth).toNanos() / 1e6, p.roundTrip().toNanos() / 1e6);
            }
        }

        for (Node from : nodes) {
            for (Node to : nodes) {
                if (from != to) {
                    assertSendersClockKept(from, to, sent.get(from));
                }
            }
        }
    }

    private void assertSendersClockKept(Node from, Node to, List<CompletableFuture<Receipt>> receipts) {
        Map<UUID, Receipt> byId = receipts.stream().map(CompletableFuture::join).filter(r -> r.peer().equals(to.id()))
                .collect(Collectors.toMap(Receipt::messageId, Function.identity()));
        List<Message> sentRows = from.history(HistoryQuery.builder().peer(to.id()).direction(Direction.SENT).limit(1000).build());
        Map<UUID, Message> received = to.history(HistoryQuery.builder().peer(from.id()).direction(Direction.RECEIVED)
                .limit(1000).build()).stream().collect(Collectors.toMap(Message::id, Function.identity()));
        assertThat(sentRows).hasSize(50);
        assertThat(received).hasSize(50);
        long skewMicros = skews.get(from.id().value()).minus(skews.get(to.id().value())).toNanos() / 1000;
        for (Message s : sentRows) {
            Message r = received.get(s.id());
            assertThat(r.senderTimeMicros()).as("the sender's clock, stored exactly on both sides")
                    .isEqualTo(s.senderTimeMicros()).isEqualTo(byId.get(s.id()).senderTimeMicros());
            assertThat(r.receiverTimeMicros()).isEqualTo(s.receiverTimeMicros());
            assertThat(r.hlc()).isEqualTo(s.hlc());
            // Each reading is on its own node's clock: their difference is the skew, give or take the transit.
            assertThat(s.senderTimeMicros() - s.receiverTimeMicros()).isBetween(skewMicros - 2_000_000, skewMicros + 2_000_000);
        }
    }
}
