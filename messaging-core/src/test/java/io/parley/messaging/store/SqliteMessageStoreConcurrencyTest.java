package io.parley.messaging.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** History read on other threads while the store thread commits batches. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqliteMessageStoreConcurrencyTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId B = NodeId.of("b");
    private static final int BATCHES = 40;
    private static final int PER_BATCH = 50;

    @TempDir
    Path dir;
    private final ExecutorService readers = Executors.newFixedThreadPool(2);
    private SqliteMessageStore store;

    @AfterEach
    void tearDown() {
        readers.shutdownNow();
        if (store != null) {
            store.close();
        }
    }

    /** Batch {@code n} (from 1): PER_BATCH sends to B, PER_BATCH receipts from B, the acks of batch n - 1. */
    private static WriteBatch batch(int n, long incarnation) {
        List<Message> sent = new ArrayList<>();
        List<Message> received = new ArrayList<>();
        List<DeliveryUpdate> acks = new ArrayList<>();
        for (int i = 1; i <= PER_BATCH; i++) {
            long seq = (long) (n - 1) * PER_BATCH + i;
            sent.add(new Message(new UUID(1, seq), SELF, B, Direction.SENT, DeliveryStatus.PENDING, incarnation, seq,
                    seq, Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), new byte[100]));
            received.add(new Message(new UUID(2, seq), B, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, 9, seq,
                    seq, seq + 1, new HybridTimestamp(seq, 1), new byte[100]));
            if (n > 1) {
                acks.add(new DeliveryUpdate(B, seq - PER_BATCH, DeliveryStatus.DELIVERED, seq));
            }
        }
        return new WriteBatch(sent, received, acks);
    }

    /** What one read saw, if it is not a state between two whole batches; null if it is one. */
    private static String inconsistency(List<Message> seen) {
        long sent = seen.stream().filter(m -> m.direction() == Direction.SENT).count();
        long received = seen.size() - sent;
        long pending = seen.stream().filter(m -> m.status() == DeliveryStatus.PENDING).count();
        long delivered = seen.stream().filter(m -> m.status() == DeliveryStatus.DELIVERED).count();
        long batches = sent / PER_BATCH;
        boolean whole = sent % PER_BATCH == 0 && received == sent
                && pending == (batches == 0 ? 0 : PER_BATCH)
                && delivered == Math.max(0, batches - 1) * PER_BATCH;
        return whole ? null : "sent " + sent + ", received " + received + ", pending " + pending + ", delivered "
                + delivered;
    }

    @Test
    void historyReadOnOtherThreadsWhileBatchesCommitSeesOnlyWholeBatches() {
        store = SqliteMessageStore.builder(dir.resolve("node.db")).build();
        long incarnation = store.open(SELF);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        HistoryQuery everything = HistoryQuery.builder().limit(HistoryQuery.MAX_LIMIT).build();
        List<CompletableFuture<List<String>>> readerResults = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readerResults.add(CompletableFuture.supplyAsync(() -> {
                List<String> problems = new ArrayList<>();
                while (writing.get()) {
                    String problem = inconsistency(store.history(everything));
                    if (problem != null) {
                        problems.add(problem);
                    }
                    reads.incrementAndGet();
                }
                return problems;
            }, readers));
        }

        for (int n = 1; n <= BATCHES; n++) {
            int before = reads.get();
            // Readers keep reading as batches commit; each batch waits for one more read, so reads and commits
            // interleave all the way through.
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> reads.get() > before);
            store.apply(batch(n, incarnation));
        }
        writing.set(false);

        for (CompletableFuture<List<String>> result : readerResults) {
            assertThat(result).succeedsWithin(Duration.ofSeconds(30)).asList().isEmpty();
        }
        assertThat(reads.get()).isGreaterThanOrEqualTo(BATCHES);
        assertThat(inconsistency(store.history(everything))).isNull();
        assertThat(store.history(everything)).hasSize(2 * BATCHES * PER_BATCH);
    }

    @Test
    void closeWaitsForRunningReadsAndThenRefusesThem() {
        store = SqliteMessageStore.builder(dir.resolve("node.db")).build();
        long incarnation = store.open(SELF);
        store.apply(batch(1, incarnation));
        AtomicInteger reads = new AtomicInteger();
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    assertThat(store.history(HistoryQuery.all())).hasSize(2 * PER_BATCH);
                    reads.incrementAndGet();
                }
            } catch (StoreException e) {
                return e;
            }
        }, readers);
        await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() > 0);

        store.close();

        assertThat(reader).succeedsWithin(Duration.ofSeconds(10))
                .isInstanceOf(StoreException.class)
                .extracting(Throwable::getMessage).isEqualTo("message store " + store.file() + " is closed");
    }
}
