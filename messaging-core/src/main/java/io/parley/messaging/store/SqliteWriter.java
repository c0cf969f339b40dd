package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteCodec.COLUMNS;
import static io.parley.messaging.store.SqliteCodec.PENDING;
import static io.parley.messaging.store.SqliteCodec.RECEIVED;
import static io.parley.messaging.store.SqliteCodec.SENT;

import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one read-write connection of a store and its prepared statements: everything the node's store thread
 * calls. Not thread-safe; {@link SqliteMessageStore} lets one thread in at a time.
 */
final class SqliteWriter implements AutoCloseable {

    private static final WriteResult NOTHING_RECEIVED = new WriteResult(List.of());

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
    static final String SENT_EXISTS = "SELECT 1 FROM message WHERE direction = " + SENT + " AND peer = ? AND seq = ?";
    static final String FIRST_RECEIVER_TIME = "SELECT receiver_time_micros FROM message WHERE direction = " + RECEIVED
            + " AND peer = ? AND sender_incarnation = ? AND seq = ?";
    static final String WATERMARK = "SELECT max(seq) FROM message WHERE direction = " + RECEIVED
            + " AND peer = ? AND sender_incarnation = ?";
    static final String RECEIVED_AFTER = "SELECT " + COLUMNS + " FROM message WHERE direction = " + RECEIVED
            + " AND peer = ? AND sender_incarnation = ? AND seq > ? ORDER BY seq LIMIT ?";
    static final String PENDING_AFTER = "SELECT " + COLUMNS + " FROM message WHERE direction = " + SENT
            + " AND status = " + PENDING + " AND peer = ? AND seq > ? ORDER BY seq LIMIT ?";
    static final String NEXT_RECIPIENT = "SELECT min(peer) FROM message WHERE direction = " + SENT + " AND peer > ?";
    static final String LAST_SENT = "SELECT max(seq) FROM message WHERE direction = " + SENT + " AND peer = ?";
    static final String PENDING_SUMMARY = "SELECT min(seq), count(*) FROM message WHERE direction = " + SENT
            + " AND status = " + PENDING + " AND peer = ?";

    private static String insert(int direction, int rows, String conflict) {
        String row = "(?, " + direction + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        return "INSERT INTO message (" + COLUMNS + ") VALUES " + String.join(", ", java.util.Collections.nCopies(rows, row))
                + conflict;
    }

    private record SentKey(NodeId recipient, long sequence) {
    }

    private record StreamKey(NodeId sender, long incarnation, long sequence) {
    }

    private record Stream(NodeId sender, long incarnation) {
    }

    private final Connection connection;
    private final Path file;
    private final NodeId owner;
    private final List<PreparedStatement> statements = new ArrayList<>();
    private final PreparedStatement begin;
    private final PreparedStatement commit;
    private final PreparedStatement rollback;
    private final PreparedStatement insertSent;
    private final PreparedStatement insertSentMany;
    private final PreparedStatement insertReceived;
    private final PreparedStatement insertReceivedMany;
    private final PreparedStatement deliver;
    private final PreparedStatement deliverMany;
    private final PreparedStatement sentExists;
    private final PreparedStatement firstReceiverTime;
    private final PreparedStatement watermark;
    private final PreparedStatement received;
    private final PreparedStatement pending;
    private final PreparedStatement nextRecipient;
    private final PreparedStatement lastSent;
    private final PreparedStatement pendingSummary;

    SqliteWriter(Connection connection, Path file, NodeId owner) throws SQLException {
        this.connection = connection;
        this.file = file;
        this.owner = owner;
        begin = prepare("BEGIN IMMEDIATE");
        commit = prepare("COMMIT");
        rollback = prepare("ROLLBACK");
        insertSent = prepare(INSERT_SENT);
        insertSentMany = prepare(INSERT_SENT_MANY);
        insertReceived = prepare(INSERT_RECEIVED);
        insertReceivedMany = prepare(INSERT_RECEIVED_MANY);
        deliver = prepare(DELIVER);
        deliverMany = prepare(DELIVER_MANY);
        sentExists = prepare(SENT_EXISTS);
        firstReceiverTime = prepare(FIRST_RECEIVER_TIME);
        watermark = prepare(WATERMARK);
        received = prepare(RECEIVED_AFTER);
        pending = prepare(PENDING_AFTER);
        nextRecipient = prepare(NEXT_RECIPIENT);
        lastSent = prepare(LAST_SENT);
        pendingSummary = prepare(PENDING_SUMMARY);
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement s = connection.prepareStatement(sql);
        statements.add(s);
        return s;
    }

    /** Stores the whole batch in one transaction, or nothing of it. */
    WriteResult apply(WriteBatch batch) {
        if (batch.isEmpty()) {
            return NOTHING_RECEIVED;
        }
        checkApplicable(batch);
        try {
            begin.execute();
            try {
                insertSent(batch.sent());
                List<WriteResult.ReceiveOutcome> outcomes = insertReceived(batch.received());
                deliver(batch.deliveries());
                commit.execute();
                return new WriteResult(outcomes);
            } catch (SQLException | RuntimeException e) {
                rollback(e);
                throw e;
            }
        } catch (SQLException e) {
            if (SqliteConnections.isUniqueViolation(e)) {
                StoreException named = alreadyStored(batch.sent());
                if (named != null) {
                    throw named;
                }
            }
            throw new StoreException("could not store a batch of " + batch.size() + " changes in " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /** Refuses, before anything is written, a batch this store could not read back as it was given. */
    private void checkApplicable(WriteBatch batch) {
        Set<SentKey> sent = new HashSet<>();
        for (Message m : batch.sent()) {
            if (m.direction() != Direction.SENT || !m.sender().equals(owner)) {
                throw new StoreException("a sent message must be SENT by " + owner + ", the owner of " + file
                        + ": " + m);
            }
            if (!sent.add(new SentKey(m.recipient(), m.sequence()))) {
                throw new StoreException("message " + m.sequence() + " to " + m.recipient()
                        + " is already stored (twice in one batch)");
            }
        }
        for (Message m : batch.received()) {
            if (m.direction() != Direction.RECEIVED || !m.recipient().equals(owner)) {
                throw new StoreException("a received message must be RECEIVED by " + owner + ", the owner of "
                        + file + ": " + m);
            }
        }
    }

    private void insertSent(List<Message> messages) throws SQLException {
        insertRows(insertSentMany, insertSent, messages);
    }

    /** Inserts {@code rows}, {@link #ROWS_PER_STATEMENT} at a time while there are that many, then one at a time. */
    private static void insertRows(PreparedStatement many, PreparedStatement one, List<Message> rows) throws SQLException {
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

    /**
     * Inserts the first copy of each received message that is not stored yet; every other copy is a duplicate,
     * reported with the receiver time of the copy that was stored.
     *
     * <p>A message above the highest sequence stored of its stream cannot be stored yet, so those (the usual
     * case) go in many to a statement; only those at or below it, which may be repeats, are inserted one by one
     * to learn which ones were.
     */
    private List<WriteResult.ReceiveOutcome> insertReceived(List<Message> messages) throws SQLException {
        if (messages.isEmpty()) {
            return List.of();
        }
        int[] firstCopy = new int[messages.size()];
        Map<StreamKey, Integer> firsts = new HashMap<>();
        Map<Stream, Long> stored = new HashMap<>();
        List<Message> fresh = new ArrayList<>(messages.size());
        List<Integer> maybeRepeated = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            Integer first = firsts.putIfAbsent(new StreamKey(m.sender(), m.senderIncarnation(), m.sequence()), i);
            firstCopy[i] = first == null ? i : first;
            if (first != null) {
                continue;
            }
            long highest = stored.computeIfAbsent(new Stream(m.sender(), m.senderIncarnation()),
                    k -> receivedWatermark(k.sender(), k.incarnation()));
            if (m.sequence() > highest) {
                fresh.add(m);
            } else {
                maybeRepeated.add(i);
            }
        }
        insertRows(insertReceivedMany, insertReceived, fresh);
        boolean[] repeated = new boolean[messages.size()];
        for (int i : maybeRepeated) {
            bindRow(insertReceived, 0, messages.get(i));
            repeated[i] = insertReceived.executeUpdate() == 0;
        }
        WriteResult.ReceiveOutcome[] outcomes = new WriteResult.ReceiveOutcome[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (firstCopy[i] != i) {
                outcomes[i] = new WriteResult.ReceiveOutcome(true, outcomes[firstCopy[i]].receiverTimeMicros());
            } else if (repeated[i]) {
                outcomes[i] = new WriteResult.ReceiveOutcome(true, storedReceiverTime(m));
            } else {
                outcomes[i] = new WriteResult.ReceiveOutcome(false, m.receiverTimeMicros());
            }
        }
        return List.of(outcomes);
    }

    private long storedReceiverTime(Message m) throws SQLException {
        firstReceiverTime.setString(1, m.sender().value());
        firstReceiverTime.setLong(2, m.senderIncarnation());
        firstReceiverTime.setLong(3, m.sequence());
        try (ResultSet r = firstReceiverTime.executeQuery()) {
            if (!r.next()) {
                throw new StoreException("received message " + m + " was neither inserted nor found in " + file);
            }
            long micros = r.getLong(1);
            return r.wasNull() ? Message.UNKNOWN_TIME : micros;
        }
    }

    private void deliver(List<DeliveryUpdate> deliveries) throws SQLException {
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
    private static void bindRow(PreparedStatement s, int offset, Message m) throws SQLException {
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

    private void rollback(Exception failure) {
        try {
            rollback.execute();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** After a unique index refused a sent message: which one was stored before, if any. */
    private StoreException alreadyStored(List<Message> sent) {
        try {
            for (Message m : sent) {
                sentExists.setString(1, m.recipient().value());
                sentExists.setLong(2, m.sequence());
                try (ResultSet r = sentExists.executeQuery()) {
                    if (r.next()) {
                        return new StoreException("message " + m.sequence() + " to " + m.recipient()
                                + " is already stored in " + file);
                    }
                }
            }
            return null;
        } catch (SQLException e) {
            return null;
        }
    }

    long receivedWatermark(NodeId sender, long senderIncarnation) {
        try {
            watermark.setString(1, sender.value());
            watermark.setLong(2, senderIncarnation);
            try (ResultSet r = watermark.executeQuery()) {
                return r.next() ? r.getLong(1) : 0; // max() of no rows is NULL, read as 0
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
    }

    List<Message> received(NodeId sender, long senderIncarnation, long afterSequence, int limit) {
        checkLimit(limit);
        try {
            received.setString(1, sender.value());
            received.setLong(2, senderIncarnation);
            received.setLong(3, afterSequence);
            received.setInt(4, limit);
            try (ResultSet r = received.executeQuery()) {
                return SqliteCodec.readAll(r, owner);
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
    }

    List<Message> pending(NodeId recipient, long afterSequence, int limit) {
        checkLimit(limit);
        try {
            pending.setString(1, recipient.value());
            pending.setLong(2, afterSequence);
            pending.setInt(3, limit);
            try (ResultSet r = pending.executeQuery()) {
                return SqliteCodec.readAll(r, owner);
            }
        } catch (SQLException e) {
            throw readFailed(e);
        }
    }

    /** One short index lookup per peer and per question, rather than a scan of everything ever sent. */
    List<Outbox> outboxes() {
        try {
            List<Outbox> outboxes = new ArrayList<>();
            String peer = ""; // below every node id
            while ((peer = nextRecipient(peer)) != null) {
                lastSent.setString(1, peer);
                long last;
                try (ResultSet r = lastSent.executeQuery()) {
                    r.next();
                    last = r.getLong(1);
                }
                pendingSummary.setString(1, peer);
                try (ResultSet r = pendingSummary.executeQuery()) {
                    r.next();
                    outboxes.add(new Outbox(new NodeId(peer), last, r.getLong(1), r.getLong(2)));
                }
            }
            return outboxes;
        } catch (SQLException e) {
            throw readFailed(e);
        }
    }

    private String nextRecipient(String after) throws SQLException {
        nextRecipient.setString(1, after);
        try (ResultSet r = nextRecipient.executeQuery()) {
            return r.next() ? r.getString(1) : null;
        }
    }

    private static void checkLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
    }

    private StoreException readFailed(SQLException e) {
        return new StoreException("could not read message store " + file + ": " + e.getMessage(), e);
    }

    @Override
    public void close() throws SQLException {
        SQLException failure = null;
        for (PreparedStatement s : statements) {
            try {
                s.close();
            } catch (SQLException e) {
                failure = e;
            }
        }
        connection.close();
        if (failure != null) {
            throw failure;
        }
    }
}
