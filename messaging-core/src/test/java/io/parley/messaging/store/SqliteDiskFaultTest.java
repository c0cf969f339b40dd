package io.parley.messaging.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose disk fills up, fails its commits or runs below the free-space floor: each failure is a
 * {@link StoreUnavailableException} that stores nothing, and the store writes again by itself once the condition
 * clears, without being closed and opened.
 */
class SqliteDiskFaultTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    @TempDir
    Path dir;
    private final SqliteDiskFaults faults = new SqliteDiskFaults();
    private SqliteMessageStore store;
    private long seq;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    /** SQLite's own SQLITE_FULL: the write fails, SQLite rolls back, the driver finalizes the statement. */
    @Test
    void aFullDatabaseFailsEachBatchUntilThereIsRoomAgainThenWritesWithoutAReopenOfTheStore() throws Exception {
        store = faults.store(dir.resolve("full.db"), 0);
        store.open(SELF);
        store.apply(batch(10, 100));
        faults.fillUp();

        for (int attempt = 0; attempt < 3; attempt++) {
            assertThatThrownBy(() -> store.apply(batch(50, 4_000)))
                    .as("attempt %d", attempt)
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("SQLITE_FULL")
                    .satisfies(e -> assertThat(e.getSuppressed()).as("no rollback of a transaction SQLite ended")
                            .isEmpty());
        }
        faults.makeRoom();

        store.apply(batch(50, 4_000));
        assertThat(sentCount()).as("the first batch and the one after the room came back").isEqualTo(60);
        assertThat(store.pending(PEER, 0, 1_000)).extracting(Message::sequence).doesNotHaveDuplicates().hasSize(60);
    }

    /** A COMMIT that meets a full disk: SQLite has already rolled back, so a ROLLBACK only fails. */
    @Test
    void aCommitThatFailsAfterSQLiteRolledBackIsNotRolledBackAgainAndTheNextBatchCommits() {
        store = faults.store(dir.resolve("commit.db"), 0);
        store.open(SELF);
        store.apply(batch(1, 10));
        faults.failCommits(true);

        assertThatThrownBy(() -> store.apply(batch(5, 10)))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("SQLITE_FULL")
                .satisfies(e -> assertThat(e.getSuppressed()).as("no 'cannot rollback - no transaction is active'")
                        .isEmpty());
        assertThatThrownBy(() -> store.apply(batch(5, 10))).isInstanceOf(StoreUnavailableException.class);
        faults.failCommits(false);

        store.apply(batch(5, 10));
        assertThat(sentCount()).as("the batches that met the fault stored nothing").isEqualTo(6);
        assertThat(store.receivedWatermark(PEER, 1)).isZero();
        assertThat(faults.connectionsOpened()).as("a new connection after each failure").isEqualTo(3);
    }

    @Test
    void belowTheFreeSpaceFloorNothingIsWrittenAndWritingResumesOnceThereIsSpace() {
        store = faults.store(dir.resolve("floor.db"), 64L * 1024 * 1024);
        store.open(SELF);
        faults.floor(10L * 1024 * 1024);

        assertThatThrownBy(() -> store.apply(batch(1, 10)))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("10485760 bytes free, below the store's floor of 67108864 bytes");
        faults.floor(100L * 1024 * 1024);

        store.apply(batch(1, 10));
        assertThat(sentCount()).isEqualTo(1);
    }

    @Test
    void theDefaultFloorIsSetAndANegativeOneIsRefused() {
        assertThat(SqliteMessageStore.builder(dir.resolve("x.db")).build().minFreeBytes())
                .isEqualTo(SqliteMessageStore.DEFAULT_MIN_FREE_BYTES);
        assertThatThrownBy(() -> SqliteMessageStore.builder(dir.resolve("x.db")).minFreeBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minFreeBytes");
    }

    private long sentCount() {
        return store.history(HistoryQuery.builder().direction(Direction.SENT).limit(10_000).build()).size();
    }

    private WriteBatch batch(int count, int payloadBytes) {
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            seq++;
            sent.add(new Message(UUID.randomUUID(), SELF, PEER, Direction.SENT, DeliveryStatus.PENDING, 1, seq, seq,
                    Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), new byte[payloadBytes]));
        }
        return new WriteBatch(sent, List.of(), List.of());
    }
}
