package io.parley.messaging.demo.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.Node;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerEvent;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.demo.node.DemoNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PeerReporter} says every change of a peer's state, in order, after the node's {@code listening}, and a peer
 * unreachable at start once, with its reason: with real nodes, and call by call with made-up events and peer tables.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerReporterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    @Test
    void aPeerComingUpAndLeavingIsSaidOnceEachAfterTheNodeIsListening() {
        RecordingSink sink = new RecordingSink();
        DemoNode b = DemoNode.start(Node.builder().id("b"), Path.of("b.db"), sink);
        try (DemoNode a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", b.node().localAddress().getPort()),
                Path.of("a.db"), sink)) {
            await().atMost(WAIT).until(() -> sink.said.containsAll(List.of("a sees b UP", "b sees a UP")));

            b.close(); // says Goodbye
            await().atMost(WAIT).until(() -> sink.said.contains("a sees b LEFT"));

            assertThat(sink.said).filteredOn(line -> line.startsWith("a "))
                    .containsExactly("a listening", "a sees b UP", "a sees b LEFT");
            assertThat(sink.said).filteredOn(line -> line.startsWith("b "))
                    .as("b says nothing of its peers while it closes").containsExactly("b listening", "b sees a UP");
        } finally {
            b.close();
        }
    }

    @Test
    void aPeerUnreachableAtStartIsSaidWithItsReason() throws IOException {
        int port;
        try (ServerSocket closedSoon = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closedSoon.getLocalPort(); // nothing listens there once it is closed
        }
        RecordingSink sink = new RecordingSink();
        try (DemoNode a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", port), Path.of("a.db"), sink)) {
            await().atMost(WAIT).until(() -> !sink.peers.isEmpty());

            assertThat(sink.peers.get(0).info()).satisfies(p -> {
                assertThat(p.id()).isEqualTo(B);
                assertThat(p.state()).isEqualTo(PeerState.DOWN);
                assertThat(p.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("cannot connect to b at 127.0.0.1:" + port));
            });
        }
    }

    @Test
    void everyChangeIsSaidInOrderHoweverQuicklyTheNextFollows() {
        RecordingSink sink = new RecordingSink();
        try (PeerReporter reporter = new PeerReporter(sink)) {
            reporter.start(A, List::of);

            reporter.onPeerEvent(event(PeerState.DOWN, PeerState.UP, null));
            reporter.onPeerEvent(event(PeerState.UP, PeerState.DOWN, null));
            reporter.onPeerEvent(event(PeerState.DOWN, PeerState.UP, null));
            reporter.onPeerEvent(event(PeerState.UP, PeerState.SUSPECT, null));
            reporter.onPeerEvent(event(PeerState.SUSPECT, PeerState.DOWN, "judged down: silent for 3.5 s"));

            assertThat(sink.said).containsExactly("a sees b UP", "a sees b DOWN", "a sees b UP", "a sees b SUSPECT",
                    "a sees b DOWN: judged down: silent for 3.5 s");
        }
    }

    @Test
    void eventsBeforeStartAreHeldUntilTheNodeIsListening() {
        RecordingSink sink = new RecordingSink();
        try (PeerReporter reporter = new PeerReporter(sink)) {
            reporter.onPeerEvent(event(PeerState.DOWN, PeerState.UP, null));
            assertThat(sink.said).isEmpty();

            reporter.start(A, List::of);
            reporter.onPeerEvent(event(PeerState.UP, PeerState.LEFT, null));

            assertThat(sink.said).containsExactly("a sees b UP", "a sees b LEFT");
        }
    }

    @Test
    void aPeerUnreachableAtStartIsSaidOnceWithItsReasonThoughTheNodeKeepsDialling() {
        RecordingSink sink = new RecordingSink();
        try (PeerReporter reporter = new PeerReporter(sink)) {
            reporter.start(A, List::of);

            reporter.check(List.of(peer(PeerState.DOWN, null)));                  // dialling: nothing to say yet
            reporter.check(List.of(peer(PeerState.DOWN, "Connection refused")));  // said, with the reason
            reporter.check(List.of(peer(PeerState.DOWN, "Connection refused")));  // retrying: the same
            reporter.onPeerEvent(event(PeerState.DOWN, PeerState.UP, null));      // said
            reporter.onPeerEvent(event(PeerState.UP, PeerState.DOWN, null));      // said
            reporter.check(List.of(peer(PeerState.DOWN, "Connection refused")));  // its events tell now, not the check

            assertThat(sink.said).containsExactly("a sees b DOWN: Connection refused", "a sees b UP", "a sees b DOWN");
        }
    }

    @Test
    void aPeerThatHadAnEventIsLeftToItsEventsEvenBeforeStart() {
        RecordingSink sink = new RecordingSink();
        try (PeerReporter reporter = new PeerReporter(sink)) {
            reporter.onPeerEvent(event(PeerState.DOWN, PeerState.UP, null));
            reporter.onPeerEvent(event(PeerState.UP, PeerState.DOWN, "judged down: silent"));
            reporter.start(A, List::of);

            reporter.check(List.of(peer(PeerState.DOWN, "Connection refused")));

            assertThat(sink.said).containsExactly("a sees b UP", "a sees b DOWN: judged down: silent");
        }
    }

    @Test
    void nothingIsSaidOnceStopped() {
        RecordingSink sink = new RecordingSink();
        try (PeerReporter reporter = new PeerReporter(sink)) {
            reporter.start(A, List::of);
            reporter.onPeerEvent(event(PeerState.DOWN, PeerState.UP, null));

            reporter.stop();
            reporter.onPeerEvent(event(PeerState.UP, PeerState.LEFT, null));
            reporter.check(List.of(new PeerInfo(NodeId.of("c"), Optional.empty(), PeerState.DOWN, Instant.EPOCH,
                    Duration.ZERO, Duration.ZERO, Optional.of("Connection refused"))));

            assertThat(sink.said).containsExactly("a sees b UP");
        }
    }

    private static PeerEvent event(PeerState previous, PeerState state, String error) {
        return new PeerEvent(B, previous, state, peer(state, error), Instant.EPOCH);
    }

    private static PeerInfo peer(PeerState state, String error) {
        return new PeerInfo(B, Optional.of("127.0.0.1:7002"), state, Instant.EPOCH, Duration.ZERO, Duration.ZERO,
                Optional.ofNullable(error));
    }
}
