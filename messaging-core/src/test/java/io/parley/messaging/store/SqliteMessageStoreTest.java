package io.parley.messaging.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract, run against the SQLite store (a restart is a new instance on the same file), and what
 * only a file has: a format, an owner, permissions, a lock.
 */
class SqliteMessageStoreTest extends MessageStoreContractTest {

    @TempDir
    Path dir;
    private int files;

    @Override
    protected MessageStore newStore() {
        return SqliteMessageStore.builder(dir.resolve("store-" + ++files + ".db")).build();
    }

    @Override
    protected MessageStore afterRestart(MessageStore closed) {
        return SqliteMessageStore.builder(file(closed)).build();
    }

    private static Path file(MessageStore s) {
        return ((SqliteMessageStore) s).file();
    }

    private SqliteMessageStore storeOn(Path file) {
        return (SqliteMessageStore) track(SqliteMessageStore.builder(file).build());
    }

    static Connection jdbc(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    static String query(Path file, String sql) throws SQLException {
        try (Connection c = jdbc(file); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        }
    }

    @Test
    void pendingStopsAfterTheMessageThatReachesItsByteCap() {
        store.open(SELF);
        List<Message> toB = new java.util.ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            Message m = sent(B, seq, seq);
            toB.add(new Message(m.id(), SELF, B, m.direction(), m.status(), m.senderIncarnation(), seq, seq,
                    Message.UNKNOWN_TIME, m.hlc(), new byte[1000]));
        }
        store.apply(new WriteBatch(toB, List.of(), List.of()));

        assertThat(store.pending(B, 0, 10, 2500)).extracting(Message::sequence).containsExactly(1L, 2L, 3L);
        assertThat(store.pending(B, 0, 10, 1)).as("at least one").extracting(Message::sequence).containsExactly(1L);
        assertThat(store.pending(B, 0, 2, 1_000_000)).extracting(Message::sequence).containsExactly(1L, 2L);
        assertThat(store.pending(B, 3, 10, 1_000_000)).extracting(Message::sequence).containsExactly(4L, 5L);
    }

    @Test
    void aNewInstanceOnTheFileHasTheIncarnationAndEveryRowInEveryState() {
        long incarnation = store.open(SELF);
        Message expiring = new Message(new UUID(9, 9), SELF, C, Direction.SENT, DeliveryStatus.PENDING, incarnation, 1,
                10, Message.UNKNOWN_TIME, new HybridTimestamp(10, 2), 5_000, "soon".getBytes());
        Message delivered = sent(B, 1, 20);
        Message expired = sent(B, 2, 30);
        Message waiting = sent(B, 3, 40);
        Message in = received(B, B_INCARNATION, 1, 50, 55);
        store.apply(new WriteBatch(List.of(expiring, delivered, expired, waiting), List.of(in), List.of(
                new DeliveryUpdate(B, 1, DeliveryStatus.DELIVERED, 25),
                new DeliveryUpdate(B, 2, DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME))));
        store.close();

        MessageStore restarted = storeOn(file(store));

        assertThat(restarted.open(SELF)).isEqualTo(incarnation);
        assertThat(all(restarted)).containsExactly(expiring, delivered.withDelivery(DeliveryStatus.DELIVERED, 25),
                expired.withDelivery(DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME), waiting, in);
        assertThat(restarted.pending(B, 0, 10)).containsExactly(waiting);
        assertThat(restarted.pending(C, 0, 10)).containsExactly(expiring);
        assertThat(restarted.outboxes()).containsExactlyInAnyOrder(new Outbox(B, 3, 3, 1), new Outbox(C, 1, 1, 1));
        assertThat(restarted.received(B, B_INCARNATION, 0, 10)).containsExactly(in);
        assertThat(restarted.receivedWatermark(B, B_INCARNATION)).isEqualTo(1);
    }

    @Test
    void aFileMadeByAnotherNodeIsRefusedNamingBothNodesAndTheFile() {
        store.open(SELF);
        store.apply(sending(sent(B, 1, 1)));
        store.close();

        assertThatThrownBy(() -> storeOn(file(store)).open(B))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file(store).toString())
                .hasMessageContaining("belongs to node self, not b");

        SqliteMessageStore again = storeOn(file(store));
        again.open(SELF);
        assertThat(all(again)).hasSize(1);
    }

    @Test
    void aFileOfRandomBytesIsRefusedAndLeftAsItWas() throws IOException {
        Path garbage = dir.resolve("garbage.db");
        byte[] bytes = new byte[8192];
        new Random(1).nextBytes(bytes);
        Files.write(garbage, bytes);

        for (int attempt = 0; attempt < 2; attempt++) { // the refused open let go of the lock file
            assertThatThrownBy(() -> storeOn(garbage).open(SELF))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(garbage.toString())
                    .hasMessageContaining("is not a Parley message store: it is not an SQLite database");
        }
        assertThat(Files.readAllBytes(garbage)).isEqualTo(bytes);
    }

    @Test
    void aTextFileIsRefused() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a database\n");

        assertThatThrownBy(() -> storeOn(text).open(SELF))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("is not a Parley message store");
    }

    @Test
    void anSqliteDatabaseOfAnotherApplicationIsRefusedAndLeftAsItWas() throws Exception {
        Path other = dir.resolve("other.db");
        try (Connection c = jdbc(other); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (text TEXT)");
            s.execute("INSERT INTO notes VALUES ('keep me')");
        }
        byte[] before = Files.readAllBytes(other);

        assertThatThrownBy(() -> storeOn(other).open(SELF))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(other.toString())
                .hasMessageContaining("is not a Parley message store: it is an SQLite database of another application");

        assertThat(Files.readAllBytes(other)).isEqualTo(before);
        assertThat(query(other, "PRAGMA journal_mode")).isEqualTo("delete");
    }

    @Test
    void aStoreOfANewerSchemaVersionIsRefused() throws Exception {
        store.open(SELF);
        store.close();
        try (Connection c = jdbc(file(store)); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + (SqliteSchema.CURRENT_VERSION + 1));
        }

        assertThatThrownBy(() -> storeOn(file(store)).open(SELF))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file(store).toString())
                .hasMessageContaining("schema version " + (SqliteSchema.CURRENT_VERSION + 1) + ", made by a newer Parley");
    }

    @Test
    void aNewStoreIsInWalModeAtTheCurrentSchemaVersion() throws Exception {
        store.open(SELF);
        store.close();

        assertThat(query(file(store), "PRAGMA journal_mode")).isEqualTo("wal");
        assertThat(query(file(store), "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.CURRENT_VERSION));
        assertThat(query(file(store), "PRAGMA application_id")).isEqualTo(String.valueOf(SqliteSchema.APPLICATION_ID));
    }

    @Test
    void theFileItsCompanionsAndTheLockFileAreReadableAndWritableByTheirOwnerOnly() throws IOException {
        Path file = file(store);
        assumeTrue(file.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        store.open(SELF);
        store.apply(sending(sent(B, 1, 1)));

        for (String name : List.of("", "-wal", "-shm", "-lock")) {
            Path f = file.resolveSibling(file.getFileName() + name);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void aMissingDirectoryIsReportedClearly() {
        Path nowhere = dir.resolve("missing").resolve("store.db");

        assertThatThrownBy(() -> storeOn(nowhere).open(SELF))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(nowhere.toString())
                .hasMessageContaining("directory does not exist");
    }

    @Test
    void aSecondStoreOnAnOpenFileIsRefusedWhileOtherReadersStillRead() throws Exception {
        store.open(SELF);
        Message out = sent(B, 1, 1);
        store.apply(sending(out));
        SqliteMessageStore second = storeOn(file(store));

        assertThatThrownBy(() -> second.open(SELF))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file(store) + " is already open");

        assertThat(all()).containsExactly(out);
        assertThat(query(file(store), "SELECT count(*) FROM message")).isEqualTo("1"); // e.g. the sqlite3 shell
        store.close();
        second.open(SELF);
        assertThat(all(second)).containsExactly(out);
    }

    @Test
    void aBatchThatFailsPartWayLeavesNothingOfItAndTheNextBatchApplies() throws Exception {
        store.open(SELF);
        Message first = sent(B, 1, 1);
        store.apply(sending(first));
        // A failure after the sent and received rows and one delivery are written, before the commit. Added while
        // the store is open: opening refuses a file with a trigger, which is no store's.
        try (Connection c = jdbc(file(store)); Statement s = c.createStatement()) {
            s.execute("CREATE TRIGGER fail_on_666 AFTER UPDATE ON message WHEN NEW.receiver_time_micros = 666"
                    + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
        }
        Message second = sent(B, 2, 2);
        Message in = received(C, 9, 1, 3, 4);

        assertThatThrownBy(() -> store.apply(new WriteBatch(List.of(second), List.of(in), List.of(
                new DeliveryUpdate(B, 1, DeliveryStatus.DELIVERED, 10),
                new DeliveryUpdate(B, 2, DeliveryStatus.DELIVERED, 666)))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("injected failure");

        assertThat(all()).containsExactly(first);
        assertThat(store.receivedWatermark(C, 9)).isZero();
        assertThat(store.outboxes()).containsExactly(new Outbox(B, 1, 1, 1));
        store.apply(new WriteBatch(List.of(second), List.of(in), List.of(
                new DeliveryUpdate(B, 1, DeliveryStatus.DELIVERED, 10))));
        assertThat(all()).containsExactly(first.withDelivery(DeliveryStatus.DELIVERED, 10), second, in);
    }

    @Test
    void aSentMessageAlreadyStoredFailsTheBatchAfterOthersWereWritten() {
        store.open(SELF);
        Message first = sent(B, 1, 1);
        store.apply(sending(first));

        assertThatThrownBy(() -> store.apply(new WriteBatch(List.of(sent(C, 1, 2), sent(B, 2, 3), sent(B, 1, 4)),
                List.of(received(C, 9, 1, 3, 4)), List.of(new DeliveryUpdate(B, 1, DeliveryStatus.DELIVERED, 5)))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("message 1 to b is already stored in " + file(store));

        assertThat(all()).containsExactly(first);
        assertThat(store.outboxes()).containsExactly(new Outbox(B, 1, 1, 1));
    }

    @Test
    void aMessageTheStoreCouldNotReadBackAsGivenIsRefused() {
        store.open(SELF);
        Message fromSomeoneElse = new Message(new UUID(1, 1), C, B, Direction.SENT, DeliveryStatus.PENDING, 1, 1, 1,
                Message.UNKNOWN_TIME, HybridTimestamp.ZERO, new byte[0]);
        Message notForUs = new Message(new UUID(1, 2), C, B, Direction.RECEIVED, DeliveryStatus.RECEIVED, 1, 1, 1, 1,
                HybridTimestamp.ZERO, new byte[0]);

        assertThatThrownBy(() -> store.apply(sending(fromSomeoneElse))).isInstanceOf(StoreException.class)
                .hasMessageContaining("must be SENT by self");
        assertThatThrownBy(() -> store.apply(receiving(notForUs))).isInstanceOf(StoreException.class)
                .hasMessageContaining("must be RECEIVED by self");
        assertThat(all()).isEmpty();
    }

    @Test
    void aBatchOfTheLargestSizeTheNodeCommitsIsStoredWhole() {
        long incarnation = store.open(SELF);
        List<Message> out = new ArrayList<>();
        for (int seq = 1; seq <= 4096; seq++) {
            out.add(new Message(new UUID(0x7000, seq), SELF, B, Direction.SENT, DeliveryStatus.PENDING, incarnation,
                    seq, seq, Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), new byte[100]));
        }
        List<Message> in = new ArrayList<>();
        List<DeliveryUpdate> acks = new ArrayList<>();
        for (int seq = 1; seq <= 2048; seq++) {
            in.add(received(C, 9, seq, 5_000 + seq, 6_000 + seq));
            acks.add(new DeliveryUpdate(B, seq, DeliveryStatus.DELIVERED, 7_000 + seq));
        }

        store.apply(new WriteBatch(out, List.of(), List.of()));
        WriteResult result = store.apply(new WriteBatch(List.of(), in, acks));

        assertThat(result.received()).hasSize(2048).noneMatch(WriteResult.ReceiveOutcome::duplicate);
        assertThat(all()).hasSize(4096 + 2048);
        assertThat(store.outboxes()).containsExactly(new Outbox(B, 4096, 2049, 2048));
        assertThat(store.pending(B, 0, 5_000)).containsExactlyElementsOf(out.subList(2048, 4096));
        assertThat(store.received(C, 9, 0, 5_000)).containsExactlyElementsOf(in);
        assertThat(store.history(HistoryQuery.builder().status(DeliveryStatus.DELIVERED).limit(5_000).build()))
                .hasSize(2048);
    }

    @Test
    void aStoreNotYetOpenedRefusesEveryOperation() {
        assertThatThrownBy(() -> store.history(HistoryQuery.all())).isInstanceOf(StoreException.class)
                .hasMessageContaining("is not open");
        assertThatThrownBy(() -> store.apply(sending(sent(B, 1, 1)))).isInstanceOf(StoreException.class)
                .hasMessageContaining("is not open");
    }

    @Test
    void isDurable() {
        assertThat(store.isDurable()).isTrue();
        assertThat(new InMemoryMessageStore().isDurable()).isFalse();
    }

    @Test
    void synchronousIsFullUnlessSetToNormal() {
        assertThat(((SqliteMessageStore) store).synchronous()).isEqualTo(SqliteMessageStore.Synchronous.FULL);
        SqliteMessageStore normal = (SqliteMessageStore) track(SqliteMessageStore.builder(dir.resolve("normal.db"))
                .synchronous(SqliteMessageStore.Synchronous.NORMAL).build());
        normal.open(SELF);
        normal.apply(sending(sent(B, 1, 1)));
        normal.close();

        normal.open(SELF);
        assertThat(all(normal)).hasSize(1);
    }

    @Test
    void theOwnerOfAnOpenStoreIsCheckedWithoutReopening() {
        long incarnation = store.open(SELF);

        assertThat(store.open(SELF)).isEqualTo(incarnation);
        assertThatThrownBy(() -> store.open(NodeId.of("x"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("belongs to node self, not x");
    }
}
