package io.parley.messaging.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteStoreReader} reads a store its node holds open, and refuses what is not a store with one sentence. */
class SqliteStoreReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsWhatTheOpenStoreCommittedWithoutItsLock() {
        Path file = dir.resolve("n1.db");
        try (SqliteMessageStore store = SqliteMessageStore.builder(file).build()) {
            long incarnation = store.open(NodeId.of("n1"));
            Message sent = sent(1, "first");
            store.apply(MessageStoreContractTest.sending(sent));

            try (SqliteStoreReader reader = SqliteStoreReader.open(file)) {
                assertThat(reader.owner()).isEqualTo(NodeId.of("n1"));
                assertThat(reader.incarnation()).isEqualTo(incarnation);
                assertThat(reader.history(HistoryQuery.all())).containsExactly(sent);

                Message second = sent(2, "second");
                store.apply(MessageStoreContractTest.sending(second));
                assertThat(reader.history(HistoryQuery.all())).containsExactly(sent, second);
            }
        }
    }

    @Test
    void readsAClosedStore() {
        Path file = dir.resolve("n1.db");
        Message sent = sent(1, "kept");
        try (SqliteMessageStore store = SqliteMessageStore.builder(file).build()) {
            store.open(NodeId.of("n1"));
            store.apply(MessageStoreContractTest.sending(sent));
        }
        try (SqliteStoreReader reader = SqliteStoreReader.open(file)) {
            assertThat(reader.history(HistoryQuery.all())).containsExactly(sent);
        }
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> SqliteStoreReader.open(dir.resolve("nope.db")))
                .isInstanceOf(StoreException.class).hasMessageEndingWith("nope.db does not exist");
        assertThat(dir.resolve("nope.db")).doesNotExist();
    }

    @Test
    void aFileThatIsNotSqliteIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.db"), "these are not the pages you are looking for ".repeat(200));
        assertThatThrownBy(() -> SqliteStoreReader.open(file))
                .isInstanceOf(StoreException.class).hasMessageContaining("is not a Parley message store")
                .hasMessageContaining("not an SQLite database");
    }

    @Test
    void anSqliteDatabaseOfAnotherApplicationIsRefused() throws SQLException {
        Path file = dir.resolve("other.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (x INTEGER)");
        }
        assertThatThrownBy(() -> SqliteStoreReader.open(file))
                .isInstanceOf(StoreException.class).hasMessageContaining("SQLite database of another application");
    }

    @Test
    void anEmptyFileIsNotAStoreYet() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.db"));
        assertThatThrownBy(() -> SqliteStoreReader.open(file))
                .isInstanceOf(StoreException.class).hasMessageContaining("not a Parley message store yet");
    }

    private static Message sent(long seq, String text) {
        long now = 1_700_000_000_000_000L + seq;
        return new Message(UUID.randomUUID(), NodeId.of("n1"), NodeId.of("n2"), Direction.SENT, DeliveryStatus.PENDING,
                42, seq, now, Message.UNKNOWN_TIME, new HybridTimestamp(now, 0), text.getBytes());
    }
}
