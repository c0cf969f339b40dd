package io.parley.messaging.demo.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.Node;
import io.parley.messaging.NodeId;
import io.parley.messaging.demo.events.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The wait at the end of input ends when every receipt is in, or at its timeout with the count still pending. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainTest {

    @Test
    void endsOnceEveryReceiptIsInAndEveryReceiptWasReported() throws InterruptedException {
        RecordingSink sink = new RecordingSink();
        try (DemoNode b = DemoNode.start(Node.builder().id("b"), Path.of("b.db"), sink);
             DemoNode a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", b.node().localAddress().getPort()),
                     Path.of("a.db"), sink)) {
            for (int i = 0; i < 100; i++) {
                a.send(NodeId.of("b"), "m" + i);
            }

            Drain.Result result = Drain.await(List.of(a, b), Duration.ofSeconds(30));

            assertThat(result.complete()).isTrue();
            assertThat(result.pending()).isZero();
            assertThat(sink.delivered).hasSize(100); // reported before the drain ended
        }
    }

    @Test
    void givesUpAtItsTimeoutWithTheCountStillPending() throws InterruptedException {
        RecordingSink sink = new RecordingSink();
        DemoNode gone = DemoNode.start(Node.builder().id("gone"), Path.of("gone.db"), sink);
        int port = gone.node().localAddress().getPort();
        gone.close();
        try (DemoNode a = DemoNode.start(Node.builder().id("a").peer("gone", "127.0.0.1", port).closeTimeout(Duration.ZERO),
                Path.of("a.db"), sink)) {
            for (int i = 0; i < 3; i++) {
                a.send(NodeId.of("gone"), "m" + i);
            }

            Drain.Result result = Drain.await(List.of(a), Duration.ofMillis(300));

            assertThat(result.complete()).isFalse();
            assertThat(result.pending()).isEqualTo(3);
            assertThat(result.waitedMillis()).isBetween(300L, 10_000L);
        }
        assertThat(sink.failed).as("closing with messages pending reports them once, in the drain's count").isEmpty();
    }
}
