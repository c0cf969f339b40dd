package io.parley.messaging.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not a healthy store of this version: a node refuses to open them, and so does the reader the
 * {@code history} command uses, each with a sentence saying what is wrong, and neither changes a byte of them.
 */
class CraftedStoreFileTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    @TempDir
    Path dir;

    @Test
    void aStoreWithAViewThatNeverEndsIsRefusedUntouched() throws Exception {
        Path file = store("view.db", 10);
        sql(file, "CREATE VIEW forever AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT x FROM r");

        assertRefusedUntouched(file, "its schema is not that of version 2; it has view forever");
    }

    @Test
    void aStoreWhoseMessageTableIsATriggerHappyCraftIsRefused() throws Exception {
        Path file = store("trigger.db", 1);
        sql(file, "CREATE TRIGGER wipe AFTER INSERT ON message BEGIN DELETE FROM store_meta; END");

        assertRefusedUntouched(file, "it has trigger wipe");
    }

    @Test
    void aDamagedStoreIsRefusedUntouched() throws Exception {
        Path file = store("damaged.db", 300);
        long pages = Files.size(file) / 4096;
        assertThat(pages).isGreaterThan(6);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] garbage = new byte[4096];
            java.util.Arrays.fill(garbage, (byte) 0x5A);
            for (long page = 2; page < pages; page += 2) { // every other page after the schema's: tables and indexes
                raf.seek(page * 4096);
                raf.write(garbage);
            }
        }

        assertRefusedUntouched(file, "is damaged");
    }

    @Test
    void aStoreOfAnUnknownSchemaVersionIsRefusedUntouched() throws Exception {
        Path file = store("future.db", 1);
        sql(file, "PRAGMA user_version = 99");

        assertRefusedUntouched(file, "has schema version 99");
    }

    @Test
    void theHistoryReaderRefusesARowLargerThanANodeStores() throws Exception {
        Path file = store("large.db", 1);
        sql(file, "UPDATE message SET payload = zeroblob(" + (SqliteStoreReader.MAX_ROW_PAYLOAD_BYTES + 1) + ")");

        String before = digest(file);
        assertThatThrownBy(() -> SqliteStoreReader.open(file)).isInstanceOf(StoreException.class)
                .hasMessageContaining("holds a payload of " + (SqliteStoreReader.MAX_ROW_PAYLOAD_BYTES + 1) + " bytes");
        assertThat(digest(file)).isEqualTo(before);
    }

    private void assertRefusedUntouched(Path file, String why) throws Exception {
        String before = digest(file);
        SqliteMessageStore store = SqliteMessageStore.builder(file).build();
        assertThatThrownBy(() -> store.open(SELF)).as("the node's store").isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(why);
        assertThatThrownBy(() -> SqliteStoreReader.open(file)).as("the history reader")
                .isInstanceOf(StoreException.class).hasMessageContaining(why);
        assertThat(digest(file)).as("not a byte of the file changed").isEqualTo(before);
    }

    /** A store with {@code count} sent messages, closed (its log copied back into the file). */
    private Path store(String name, int count) {
        Path file = dir.resolve(name);
        SqliteMessageStore store = SqliteMessageStore.builder(file).build();
        store.open(SELF);
        List<Message> sent = new ArrayList<>();
        for (int seq = 1; seq <= count; seq++) {
            sent.add(new Message(UUID.randomUUID(), SELF, PEER, Direction.SENT, DeliveryStatus.PENDING, 1, seq, seq,
                    Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), new byte[100]));
        }
        store.apply(new WriteBatch(sent, List.of(), List.of()));
        store.close();
        return file;
    }

    private static void sql(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute(sql);
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    private static String digest(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
