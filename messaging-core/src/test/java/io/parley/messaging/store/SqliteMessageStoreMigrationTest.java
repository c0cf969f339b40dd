package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteMessageStoreTest.jdbc;
import static io.parley.messaging.store.SqliteMessageStoreTest.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file of the previous schema version opens, migrates and keeps every message. The fixture is made the way an
 * older Parley made its files: the version 1 step alone, then rows written with version 1's columns only.
 */
class SqliteMessageStoreMigrationTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId C = NodeId.of("c");
    private static final long INCARNATION = 42;

    @TempDir
    Path dir;

    /** The id as version 1 wrote it: big-endian, the top bit of each half flipped. */
    private static byte[] v1Id(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits() ^ Long.MIN_VALUE)
                .putLong(id.getLeastSignificantBits() ^ Long.MIN_VALUE).array();
    }

    private static void insertV1(Connection c, Message m, int statusCode) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO message (id, direction, peer, sender_incarnation,"
                + " seq, status, sender_time_micros, receiver_time_micros, hlc_wall, hlc_logical, payload)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setBytes(1, v1Id(m.id()));
            s.setInt(2, m.direction() == Direction.SENT ? 0 : 1);
            s.setString(3, m.peer().value());
            s.setLong(4, m.senderIncarnation());
            s.setLong(5, m.sequence());
            s.setInt(6, statusCode);
            s.setLong(7, m.senderTimeMicros());
            if (m.receiverTimeMicros() == Message.UNKNOWN_TIME) {
                s.setNull(8, java.sql.Types.INTEGER);
            } else {
                s.setLong(8, m.receiverTimeMicros());
            }
            s.setLong(9, m.hlc().wallMicros());
            s.setInt(10, m.hlc().logical());
            s.setBytes(11, m.payload());
            s.executeUpdate();
        }
    }

    private static Message sent(NodeId to, long seq, DeliveryStatus status, long receiverMicros) {
        return new Message(new UUID(0x7000, seq * 10 + to.value().length()), SELF, to, Direction.SENT, status,
                INCARNATION, seq, 1_000 + seq, receiverMicros, new HybridTimestamp(1_000 + seq, 0),
                ("to " + to + " #" + seq).getBytes(StandardCharsets.UTF_8));
    }

    private static Message received(NodeId from, long seq) {
        return new Message(UUID.nameUUIDFromBytes(("from " + from + seq).getBytes(StandardCharsets.UTF_8)), from, SELF,
                Direction.RECEIVED, DeliveryStatus.RECEIVED, 7, seq, 500 + seq, 2_000 + seq,
                new HybridTimestamp(500 + seq, 1), ("from " + from + " #" + seq).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aVersionOneFileOpensMigratesAndKeepsEveryMessage() throws Exception {
        Path file = dir.resolve("v1.db");
        Message delivered = sent(B, 1, DeliveryStatus.DELIVERED, 1_500);
        Message pending2 = sent(B, 2, DeliveryStatus.PENDING, Message.UNKNOWN_TIME);
        Message pending3 = sent(B, 3, DeliveryStatus.PENDING, Message.UNKNOWN_TIME);
        Message rejected = sent(C, 1, DeliveryStatus.REJECTED, 1_600);
        Message in1 = received(C, 1);
        Message in2 = received(C, 2);
        try (Connection c = jdbc(file)) {
            SqliteSchema.migrate(c, file, 0, 1);
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO store_meta (id, owner, incarnation) VALUES (1, 'self', " + INCARNATION + ")")) {
                s.executeUpdate();
            }
            insertV1(c, delivered, 1);
            insertV1(c, pending2, 0);
            insertV1(c, pending3, 0);
            insertV1(c, rejected, 2);
            insertV1(c, in1, 4);
            insertV1(c, in2, 4);
        }
        assertThat(query(file, "PRAGMA user_version")).isEqualTo("1");
        assertThat(query(file, "SELECT count(*) FROM pragma_table_info('message') WHERE name = 'expires_at_micros'"))
                .isEqualTo("0");

        SqliteMessageStore store = SqliteMessageStore.builder(file).build();
        try {
            assertThat(store.open(SELF)).isEqualTo(INCARNATION);

            assertThat(store.history(HistoryQuery.all()))
                    // delivered and rejected tie on clock, id and sequence: the recipient comes last
                    .containsExactly(in1, in2, delivered, rejected, pending2, pending3)
                    .allSatisfy(m -> assertThat(m.expiresAtMicros()).isEqualTo(Message.NEVER));
            assertThat(store.history(HistoryQuery.builder().peer(B).order(HistoryQuery.Order.NEWEST_FIRST).build()))
                    .containsExactly(pending3, pending2, delivered);
            assertThat(store.pending(B, 0, 10)).containsExactly(pending2, pending3);
            assertThat(store.pending(C, 0, 10)).isEmpty();
            assertThat(store.outboxes()).containsExactlyInAnyOrder(new Outbox(B, 3, 2, 2), new Outbox(C, 1, 0, 0));
            assertThat(store.received(C, 7, 0, 10)).containsExactly(in1, in2);
            assertThat(store.receivedWatermark(C, 7)).isEqualTo(2);

            Message expiring = new Message(new UUID(0x7001, 1), SELF, B, Direction.SENT, DeliveryStatus.PENDING,
                    INCARNATION, 4, 3_000, Message.UNKNOWN_TIME, new HybridTimestamp(3_000, 0), 9_000, new byte[] {4});
            WriteResult result = store.apply(new WriteBatch(List.of(expiring), List.of(received(C, 2)),
                    List.of(new DeliveryUpdate(B, 2, DeliveryStatus.DELIVERED, 3_100))));
            assertThat(result.received()).containsExactly(new WriteResult.ReceiveOutcome(true, in2.receiverTimeMicros()));
            assertThat(store.pending(B, 0, 10)).containsExactly(pending3, expiring);
        } finally {
            store.close();
        }
        assertThat(query(file, "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.CURRENT_VERSION));
        assertThat(query(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'message_pending'")).isEqualTo("1");
    }

    @Test
    void everyMigrationStepMakesTheVersionAfterThePreviousOne() {
        List<Integer> versions = new ArrayList<>();
        SqliteSchema.MIGRATIONS.forEach(m -> versions.add(m.version()));

        assertThat(versions).containsExactly(1, 2);
        assertThat(SqliteSchema.CURRENT_VERSION).isEqualTo(2);
    }
}
