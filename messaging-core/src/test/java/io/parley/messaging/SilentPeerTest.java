package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.proto.v1.Welcome;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that stops answering without closing its socket (no FIN, no reset: a hung process, a cable pulled
 * somewhere) is found out by the failure detector: SUSPECT, then DOWN within the stated bound, and the node keeps
 * dialling it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SilentPeerTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final FailureDetection DETECTION = FailureDetection.builder()
            .acceptablePause(Duration.ofMillis(500)).minStdDeviation(Duration.ofMillis(50)).build();

    record Seen(PeerEvent event, long atNanos) {
    }

    @Test
    void peerThatFallsSilentIsSuspectedThenDownWithinTheBoundAndRedialled() throws Exception {
        List<Seen> events = new CopyOnWriteArrayList<>();
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Node node = Node.builder().id("n")
                     .heartbeat(INTERVAL, Duration.ofSeconds(30)) // the backstop stays out of the way
                     .failureDetection(DETECTION)
                     .reconnect(Duration.ofMillis(50), Duration.ofMillis(200))
                     .peer("raw", "127.0.0.1", server.getLocalPort())
                     .onPeerEvent(e -> events.add(new Seen(e, System.nanoTime())))
                     .build().start();
             RawPeer raw = RawPeer.accept(server)) {

            acceptHandshake(raw);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(node) == PeerState.UP);

            // Heartbeats at the node's own rhythm for two seconds, so the detector learns it; then silence.
            AtomicLong lastSent = new AtomicLong();
            AtomicLong pings = new AtomicLong();
            pinger.scheduleAtFixedRate(() -> {
                if (pings.incrementAndGet() <= 10) {
                    try {
                        raw.send(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(pings.get())).build());
                        lastSent.set(System.nanoTime());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

            await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().anyMatch(s -> s.event().state() == PeerState.DOWN));
            long silentFrom = lastSent.get();
            assertThat(pings.get()).isGreaterThanOrEqualTo(10);

            assertThat(events).extracting(s -> s.event().previous() + "→" + s.event().state())
                    .containsExactly("DOWN→UP", "UP→SUSPECT", "SUSPECT→DOWN");
            long toSuspect = TimeUnit.NANOSECONDS.toMillis(events.get(1).atNanos() - silentFrom);
            long toDown = TimeUnit.NANOSECONDS.toMillis(events.get(2).atNanos() - silentFrom);
            long suspectBound = DETECTION.silenceUntilSuspect(INTERVAL).toMillis();
            long downBound = DETECTION.silenceUntilDown(INTERVAL).toMillis();
            System.out.printf("silent peer: SUSPECT after %d ms (bound %d), DOWN after %d ms (bound %d)%n",
                    toSuspect, suspectBound, toDown, downBound);
            // Not before the bound (minus what the node's clock and the test's may disagree on), and not much after
            // it: one evaluation tick, plus scheduling on a shared machine.
            assertThat(toSuspect).isBetween(suspectBound - 100, suspectBound + 500);
            assertThat(toDown).isBetween(downBound - 100, downBound + 500);
            assertThat(events.get(2).event().info().lastError()).hasValueSatisfying(e -> assertThat(e)
                    .contains("judged down", "nothing heard for"));

            // The node closed the connection and dials again.
            try (RawPeer again = RawPeer.accept(server)) {
                assertThat(again.read().getHello().getNodeId()).isEqualTo("n");
            }
        } finally {
            pinger.shutdownNow();
        }
    }

    /** The acceptor's side of the handshake by hand: Hello in, Welcome out, Resume both ways. */
    private static void acceptHandshake(RawPeer raw) throws Exception {
        Frame hello = raw.read();
        assertThat(hello.getHello().getNodeId()).isEqualTo("n");
        raw.send(Frame.newBuilder().setWelcome(Welcome.newBuilder()
                .setProtocolVersion(1).setNodeId("raw").setIncarnation(7)
                .setSentAtMicros(System.currentTimeMillis() * 1000)).build());
        Frame resume = raw.read();
        assertThat(resume.hasResume()).as("the node's first frame after the Welcome: %s", resume).isTrue();
        raw.send(Frame.newBuilder().setResume(Resume.getDefaultInstance()).build());
    }

    private static PeerState state(Node node) {
        return node.peers().stream().filter(p -> p.id().value().equals("raw")).findFirst().orElseThrow().state();
    }
}
