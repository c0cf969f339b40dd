package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.store.SqliteDiskFaults;
import io.parley.messaging.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose SQLite store meets a full disk (every COMMIT fails with SQLITE_FULL after SQLite rolled back, as on
 * a full disk): it becomes degraded with the reason, refuses new sends with {@link StoreUnavailableException},
 * keeps its peer connected without acking anything it has not stored, and once the disk has room again it writes
 * everything it held, acks it and takes sends, without a restart. Prints the timeline.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FullDiskTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aNodeWhoseDiskIsFullRefusesSendsKeepsItsPeerAndRecoversByItself() throws Exception {
        SqliteDiskFaults faults = new SqliteDiskFaults();
        AtomicInteger downs = new AtomicInteger();
        try (Node n2 = Node.builder().id("n2").onPeerEvent(e -> {
                    if (e.state() == PeerState.DOWN) {
                        downs.incrementAndGet();
                    }
                }).build().start();
             Node n1 = Node.builder().id("n1").store(faults.store(dir.resolve("n1.db"), 0))
                     .peer("n2", "127.0.0.1", n2.localAddress().getPort()).build().start()) {
            assertThat(n1.send("n2", text("before"))).succeedsWithin(WAIT);
            assertThat(n2.send("n1", text("before"))).succeedsWithin(WAIT);
            assertThat(n1.storeHealth().writable()).isTrue();

            Instant full = Instant.now();
            faults.failCommits(true);
            Submission accepted = n1.submit(NodeId.of("n2"), text("met the full disk"), null);
            List<CompletableFuture<Receipt>> toN1 = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                toN1.add(n2.send("n1", text("to a full disk " + i)));
            }
            await().atMost(WAIT).until(() -> !n1.storeHealth().writable());
            Instant refusedFrom = n1.storeHealth().since();
            assertThat(n1.storeHealth().reason()).contains("SQLITE_FULL");

            Submission refused = n1.submit(NodeId.of("n2"), text("refused"), null);
            assertThat(refused.messageId()).isEmpty();
            assertThat(refused.receipt()).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(StoreUnavailableException.class).withMessageContaining("SQLITE_FULL");
            // Nothing n2 sent is acked while n1 cannot store it, and the connection stays up, not closed in a loop.
            await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() ->
                    toN1.stream().noneMatch(CompletableFuture::isDone)
                            && n2.peers().stream().allMatch(p -> p.state() == PeerState.UP));
            assertThat(downs.get()).isZero();
            assertThat(accepted.receipt()).as("accepted before the fault was known: held, not failed").isNotDone();
            assertThat(accepted.stored()).as("not stored while the disk is full").isNotDone();
            assertThat(refused.stored()).isCompletedExceptionally();

            Instant cleared = Instant.now();
            faults.failCommits(false);
            await().atMost(WAIT).until(() -> n1.storeHealth().writable());
            Instant resumedAt = n1.storeHealth().since();

            assertThat(CompletableFuture.allOf(toN1.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
            assertThat(accepted.stored()).succeedsWithin(WAIT);
            assertThat(accepted.receipt()).succeedsWithin(WAIT);
            assertThat(n1.send("n2", text("after"))).succeedsWithin(WAIT);
            assertThat(n1.history(HistoryQuery.builder().peer(NodeId.of("n2")).direction(Direction.RECEIVED)
                    .limit(100).build())).hasSize(21);
            assertThat(downs.get()).isZero();
            assertThat(Duration.between(cleared, resumedAt)).isLessThan(Duration.ofSeconds(3));
            System.out.printf("full-disk timeline (connection seam): disk full at +0 ms, sends refused from +%d ms,"
                    + " disk cleared at +%d ms, store writing again at +%d ms (%d ms after it cleared), 0 DOWN events%n",
                    Duration.between(full, refusedFrom).toMillis(), Duration.between(full, cleared).toMillis(),
                    Duration.between(full, resumedAt).toMillis(), Duration.between(cleared, resumedAt).toMillis());
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
