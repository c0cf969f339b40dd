package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteCodec.RECEIVED;
import static io.parley.messaging.store.SqliteCodec.SENT;
import static io.parley.messaging.store.SqliteRows.DELIVER;
import static io.parley.messaging.store.SqliteRows.DELIVER_MANY;
import static io.parley.messaging.store.SqliteRows.INSERT_RECEIVED;
import static io.parley.messaging.store.SqliteRows.INSERT_RECEIVED_MANY;
import static io.parley.messaging.store.SqliteRows.INSERT_SENT;
import static io.parley.messaging.store.SqliteRows.INSERT_SENT_MANY;
import static io.parley.messaging.store.SqliteRows.bindRow;
import static io.parley.messaging.store.SqliteRows.insertRows;

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
 * The one read-write connection of a store, and the transaction of a {@link WriteBatch} on it: checking the batch,
 * inserting its sent and received rows (through {@link SqliteRows}), telling repeated received messages from new
 * ones, and marking deliveries, all committed whole or rolled back. The reads made on the same connection are
 * {@link SqliteReads}, which this writer makes, closes before the connection, and asks for the received watermark.
 *
 * <p>Owned by the store thread: the single thread that calls {@link MessageStore}'s write and read methods in the
 * node. Not thread-safe; {@link SqliteMessageStore} lets one thread in at a time.
 */
final class SqliteWriter implements AutoCloseable {

    private static final WriteResult NOTHING_RECEIVED = new WriteResult(List.of());

    static final String SENT_EXISTS = "SELECT 1 FROM message WHERE direction = " + SENT + " AND peer = ? AND seq = ?";
    static final String FIRST_RECEIVER_TIME = "SELECT receiver_time_micros FROM message WHERE direction = " + RECEIVED
            + " AND peer = ? AND sender_incarnation = ? AND seq = ?";

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
    private final SqliteReads reads;

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
        reads = new SqliteReads(connection, file, owner);
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement s = connection.prepareStatement(sql);
        statements.add(s);
        return s;
    }

    /** The reads on this writer's connection; owned, like the writer, by the store thread. */
    SqliteReads reads() {
        return reads;
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
                    k -> reads.receivedWatermark(k.sender(), k.incarnation()));
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
        SqliteRows.deliver(deliverMany, deliver, deliveries);
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
        try {
            reads.close();
        } catch (SQLException e) {
            failure = e;
        }
        connection.close();
        if (failure != null) {
            throw failure;
        }
    }
}
