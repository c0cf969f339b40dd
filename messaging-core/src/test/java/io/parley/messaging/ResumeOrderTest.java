package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each side's first frame after the handshake is its Resume, before any Envelope, even when its store thread is
 * slow to work the Resume out and the peer's Resume arrives first. (A node writes its own Resume from its store
 * thread once everything received before is committed, while its link starts sending as soon as the peer's Resume
 * arrives on the event loop; with a busy store thread, Envelopes used to overtake the Resume, and the peer closed
 * the connection for "an Envelope before the peer's Resume". Found under load in LargeClusterTest.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResumeOrderTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    /** An in-memory store whose first read of a received watermark (made for the Resume) waits for a gate. */
    static final class SlowResumeStore extends ForwardingMessageStore {
        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        SlowResumeStore() {
            super(new InMemoryMessageStore());
        }

        @Override
        public long receivedWatermark(NodeId sender, long senderIncarnation) {
            reading.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.receivedWatermark(sender, senderIncarnation);
        }
    }

    @Test
    void envelopesWaitForThisSidesResumeWhenThePeersResumeArrivesFirst() throws Exception {
        SlowResumeStore slow = new SlowResumeStore();
        try (FaultInjectingProxy toB = new FaultInjectingProxy(); // b is unreachable until the proxy gets a target
             Node b = Node.builder().id("b").build().start();
             Node a = Node.builder().id("a").store(slow).reconnect(Duration.ofMillis(20), Duration.ofMillis(100))
                     .peer("b", "127.0.0.1", toB.port()).build().start()) {
            List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                receipts.add(a.send("b", ("m" + i).getBytes(StandardCharsets.UTF_8))); // stored, waiting for b
            }

            toB.forwardTo(b.localAddress().getPort());
            assertThat(slow.reading.await(10, TimeUnit.SECONDS)).as("a's store thread works out its Resume").isTrue();
            // b's Resume reaches a while a's own Resume is still being worked out.
            logs.awaitLine(Level.INFO, "b: connected to a");
            logs.awaitLine(Level.INFO, "a: connected to b");
            slow.gate.countDown();

            CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            assertThat(logs.lines()).noneMatch(l -> l.contains("an Envelope before the peer's Resume"));
            assertThat(b.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()))
                    .extracting(Message::text).containsExactly("m0", "m1", "m2", "m3", "m4");
        }
    }
}
