package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteCodec.COLUMNS;
import static io.parley.messaging.store.SqliteCodec.PENDING;
import static io.parley.messaging.store.SqliteCodec.RECEIVED;
import static io.parley.messaging.store.SqliteCodec.SENT;

import io.parley.messaging.Message;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The statements that write a batch's rows, many to a statement, and how the rows are bound to them: the inserts
 * of sent and received messages and the delivery updates. {@link SqliteWriter} prepares them on its connection and
 * runs them in its transaction.
 *
 * <p>No state: the statements passed in are the writer's, owned by the store thread, which makes every call.
 */
final class SqliteRows {

    /**
     * Rows one multi-row statement inserts or updates. One statement of many rows costs SQLite about a quarter
     * less per row than as many one-row statements; batches fill these first and do the rest a row at a time.
     */
    static final int ROWS_PER_STATEMENT = 32;

    /** Parameters of one row in an insert: every column but the direction, which the statement holds. */
    private static final int ROW_PARAMETERS = 11;

    // Constants only go into the SQL text (direction and status codes, so that the partial indexes apply);
    // every value is a bound parameter.
    static final String INSERT_SENT = insert(SENT, 1, "");
    static final String INSERT_SENT_MANY = insert(SENT, ROWS_PER_STATEMENT, "");
    private static final String RECEIVED_CONFLICT = " ON CONFLICT (peer, sender_incarnation, seq) WHERE direction = "
            + RECEIVED + " DO NOTHING";
    static final String INSERT_RECEIVED = insert(RECEIVED, 1, RECEIVED_CONFLICT);
    static final String INSERT_RECEIVED_MANY = insert(RECEIVED, ROWS_PER_STATEMENT, RECEIVED_CONFLICT);
    static final String DELIVER = "UPDATE message SET status = ?, receiver_time_micros = ? WHERE direction = " + SENT
            + " AND status = " + PENDING + " AND peer = ? AND seq = ?";
    static final String DELIVER_MANY = "WITH v(peer, seq, status, receiver_time) AS (VALUES "
            + String.join(", ", java.util.Collections.nCopies(ROWS_PER_STATEMENT, "(?, ?, ?, ?)"))
            + ") UPDATE message SET status = v.status, receiver_time_micros = v.receiver_time FROM v"
            + " WHERE message.direction = " + SENT + " AND message.status = " + PENDING
            + " AND message.peer = v.peer AND message.seq = v.seq";

    private static String insert(int direction, int rows, String conflict) {
        String row = "(?, " + direction + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        return "INSERT INTO message (" + COLUMNS + ") VALUES " + String.join(", ", java.util.Collections.nCopies(rows, row))
                + conflict;
    }

    private SqliteRows() {
    }

    /** Inserts {@code rows}, {@link #ROWS_PER_STATEMENT} at a time while there are that many, then one at a time. */
    static void insertRows(PreparedStatement many, PreparedStatement one, List<Message> rows) throws SQLException {
        int full = rows.size() - rows.size() % ROWS_PER_STATEMENT;
        for (int i = 0; i < full; i += ROWS_PER_STATEMENT) {
            for (int r = 0; r < ROWS_PER_STATEMENT; r++) {
                bindRow(many, r * ROW_PARAMETERS, rows.get(i + r));
            }
            many.addBatch();
        }
        if (full > 0) {
            executeBatch(many);
        }
        for (int i = full; i < rows.size(); i++) {
            bindRow(one, 0, rows.get(i));
            one.addBatch();
        }
        if (full < rows.size()) {
            executeBatch(one);
        }
    }

    /** Updates the sent rows of {@code deliveries}, {@link #ROWS_PER_STATEMENT} at a time while there are that many. */
    static void deliver(PreparedStatement deliverMany, PreparedStatement deliver, List<DeliveryUpdate> deliveries)
            throws SQLException {
        int full = deliveries.size() - deliveries.size() % ROWS_PER_STATEMENT;
        for (int i = 0; i < full; i += ROWS_PER_STATEMENT) {
            int p = 1;
            for (int r = 0; r < ROWS_PER_STATEMENT; r++) {
                DeliveryUpdate d = deliveries.get(i + r);
                deliverMany.setString(p++, d.recipient().value());
                deliverMany.setLong(p++, d.sequence());
                deliverMany.setInt(p++, SqliteCodec.status(d.status()));
                SqliteCodec.setReceiverTime(deliverMany, p++, d.receiverTimeMicros());
            }
            deliverMany.addBatch();
        }
        if (full > 0) {
            executeBatch(deliverMany);
        }
        for (int i = full; i < deliveries.size(); i++) {
            DeliveryUpdate d = deliveries.get(i);
            deliver.setInt(1, SqliteCodec.status(d.status()));
            SqliteCodec.setReceiverTime(deliver, 2, d.receiverTimeMicros());
            deliver.setString(3, d.recipient().value());
            deliver.setLong(4, d.sequence());
            deliver.addBatch();
        }
        if (full < deliveries.size()) {
            executeBatch(deliver);
        }
    }

    /** Binds every column but the direction, which the statement holds, after the first {@code offset} parameters. */
    static void bindRow(PreparedStatement s, int offset, Message m) throws SQLException {
        s.setBytes(offset + 1, SqliteCodec.id(m.id()));
        s.setString(offset + 2, m.peer().value());
        s.setLong(offset + 3, m.senderIncarnation());
        s.setLong(offset + 4, m.sequence());
        s.setInt(offset + 5, SqliteCodec.status(m.status()));
        s.setLong(offset + 6, m.senderTimeMicros());
        SqliteCodec.setReceiverTime(s, offset + 7, m.receiverTimeMicros());
        s.setLong(offset + 8, m.hlc().wallMicros());
        s.setInt(offset + 9, m.hlc().logical());
        SqliteCodec.setExpiry(s, offset + 10, m.expiresAtMicros());
        s.setBytes(offset + 11, m.payload());
    }

    private static int[] executeBatch(PreparedStatement s) throws SQLException {
        try {
            return s.executeBatch();
        } finally {
            s.clearBatch();
        }
    }
}
