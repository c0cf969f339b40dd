package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteMessageStoreTest.jdbc;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every statement reads through the index meant for it, and no history page is sorted after reading. */
class SqliteMessageStoreQueryPlanTest {

    private static final NodeId SELF = NodeId.of("self");

    @TempDir
    Path dir;
    private SqliteMessageStore store;
    private Connection connection;

    @BeforeEach
    void openStore() throws SQLException {
        store = SqliteMessageStore.builder(dir.resolve("node.db")).build();
        store.open(SELF);
        connection = jdbc(store.file());
    }

    @AfterEach
    void close() throws SQLException {
        connection.close();
        store.close();
    }

    private String plan(String sql, Binder binder) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
            binder.bind(s);
            StringBuilder plan = new StringBuilder();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    plan.append(r.getString(4)).append('\n');
                }
            }
            return plan.toString();
        }
    }

    private interface Binder {
        void bind(PreparedStatement s) throws SQLException;
    }

    private static Binder nulls(int count) {
        return s -> {
            for (int i = 1; i <= count; i++) {
                s.setLong(i, 1);
            }
        };
    }

    @Test
    void everyShapeOfHistoryQueryReadsAClockIndexInOrder() throws SQLException {
        Message cursor = new Message(new UUID(1, 1), SELF, NodeId.of("b"), Direction.SENT, DeliveryStatus.PENDING, 1, 1,
                1, Message.UNKNOWN_TIME, new HybridTimestamp(1, 0), new byte[0]);
        List<HistoryQuery> queries = new ArrayList<>();
        for (int shape = 0; shape < 64; shape++) {
            HistoryQuery.Builder b = HistoryQuery.builder();
            if ((shape & 1) != 0) {
                b.peer("b");
            }
            if ((shape & 2) != 0) {
                b.direction(Direction.RECEIVED);
            }
            if ((shape & 4) != 0) {
                b.status(DeliveryStatus.DELIVERED);
            }
            if ((shape & 8) != 0) {
                b.receiverTimeBetween(0, 100);
            }
            if ((shape & 16) != 0) {
                b.after(cursor);
            }
            if ((shape & 32) != 0) {
                b.order(HistoryQuery.Order.NEWEST_FIRST);
            }
            queries.add(b.build());
        }

        for (HistoryQuery q : queries) {
            String sql = SqliteHistory.sql(q);
            String plan = plan(sql, s -> SqliteHistory.bind(s, q));
            assertThat(plan).as(sql)
                    .contains(q.peer().isPresent() ? "USING INDEX message_peer_clock" : "USING INDEX message_clock")
                    .doesNotContain("TEMP B-TREE");
        }
    }

    @Test
    void theStoreThreadsLookupsUseTheStreamAndPendingIndexes() throws SQLException {
        assertThat(plan(SqliteReads.PENDING_AFTER, nulls(3))).contains("USING INDEX message_pending (peer=? AND seq>?)")
                .doesNotContain("TEMP B-TREE");
        assertThat(plan(SqliteReads.PENDING_SUMMARY, nulls(1))).contains("USING COVERING INDEX message_pending (peer=?)");
        assertThat(plan(SqliteReads.RECEIVED_AFTER, nulls(4)))
                .contains("USING INDEX message_received (peer=? AND sender_incarnation=? AND seq>?)")
                .doesNotContain("TEMP B-TREE");
        assertThat(plan(SqliteReads.WATERMARK, nulls(2)))
                .contains("USING COVERING INDEX message_received (peer=? AND sender_incarnation=?)");
        assertThat(plan(SqliteWriter.FIRST_RECEIVER_TIME, nulls(3)))
                .contains("USING INDEX message_received (peer=? AND sender_incarnation=? AND seq=?)");
        assertThat(plan(SqliteReads.NEXT_RECIPIENT, nulls(1))).contains("USING COVERING INDEX message_sent (peer>?)");
        assertThat(plan(SqliteReads.LAST_SENT, nulls(1))).contains("USING COVERING INDEX message_sent (peer=?)");
        assertThat(plan(SqliteWriter.SENT_EXISTS, nulls(2))).contains("USING COVERING INDEX message_sent (peer=? AND seq=?)");
        assertThat(plan(SqliteRows.DELIVER, nulls(4))).contains("(peer=? AND seq=?)");
        assertThat(plan(SqliteRows.DELIVER_MANY, nulls(4 * SqliteRows.ROWS_PER_STATEMENT)))
                .contains("(peer=? AND seq=?)").doesNotContain("SCAN message");
    }
}
