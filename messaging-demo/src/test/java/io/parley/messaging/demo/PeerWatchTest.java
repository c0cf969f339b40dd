package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.Node;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PeerWatch} reports each change of a peer's state once, and a peer unreachable at start once, with its reason:
 * with real nodes, and round by round with scripted peer tables.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerWatchTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aPeerComingUpAndLeavingIsReportedOnceEach() {
        RecordingSink sink = new RecordingSink();
        DemoNode b = DemoNode.start(Node.builder().id("b"), Path.of("b.db"), sink);
        try (DemoNode a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", b.node().localAddress().getPort()),
                     Path.of("a.db"), sink);
             PeerWatch watch = PeerWatch.of(List.of(a), sink)) {
            watch.start();
            await().atMost(WAIT).until(() -> sink.peers.stream().anyMatch(p -> p.info().state() == PeerState.UP));

            b.close(); // says Goodbye
            await().atMost(WAIT).until(() -> sink.peers.stream().anyMatch(p -> p.info().state() == PeerState.LEFT));

            assertThat(sink.peers).extracting(p -> p.node().value() + " sees " + p.info().id() + " " + p.info().state())
                    .startsWith("a sees b UP", "a sees b LEFT");
        } finally {
            b.close();
        }
    }

    @Test
    void aPeerUnreachableAtStartIsReportedOnceWithItsReasonThoughTheNodeKeepsDialling() {
        RecordingSink sink = new RecordingSink();
        Deque<List<PeerInfo>> rounds = new ArrayDeque<>(List.of(
                List.of(peer(PeerState.DOWN, null)),                  // dialling: nothing to say yet
                List.of(peer(PeerState.DOWN, "Connection refused")),  // reported, with the reason
                List.of(peer(PeerState.DOWN, "Connection refused")),  // retrying: the same
                List.of(peer(PeerState.DOWN, "Connection refused")),
                List.of(peer(PeerState.UP, null)),                    // reported
                List.of(peer(PeerState.UP, null)),
                List.of(peer(PeerState.DOWN, null)),                  // reported: a change
                List.of(peer(PeerState.DOWN, "Connection refused")),  // reported: now with its reason
                List.of(peer(PeerState.DOWN, "Connection refused"))));
        PeerWatch watch = new PeerWatch(List.of(new PeerWatch.Watched(NodeId.of("a"), rounds::pop)), sink);

        while (!rounds.isEmpty()) {
            watch.poll();
        }

        assertThat(sink.peers).extracting(p -> p.info().state() + p.info().lastError().map(e -> ": " + e).orElse(""))
                .containsExactly("DOWN: Connection refused", "UP", "DOWN", "DOWN: Connection refused");
    }

    @Test
    void aPeerFirstSeenUpOrLeftIsReportedAtOnce() {
        RecordingSink sink = new RecordingSink();
        PeerWatch watch = new PeerWatch(List.of(new PeerWatch.Watched(NodeId.of("a"), () -> List.of(peer(PeerState.UP, null)))), sink);

        watch.poll();
        watch.poll();

        assertThat(sink.peers).singleElement().satisfies(p -> assertThat(p.info().state()).isEqualTo(PeerState.UP));
    }

    private static PeerInfo peer(PeerState state, String error) {
        return new PeerInfo(NodeId.of("b"), Optional.of("127.0.0.1:7002"), state, Instant.EPOCH, Duration.ZERO, Duration.ZERO,
                Optional.ofNullable(error));
    }
}
