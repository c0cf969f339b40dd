package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteCodec.RECEIVED;
import static io.parley.messaging.store.SqliteCodec.SENT;
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
 * The read-write connection of a store, and the transaction of a {@link WriteBatch} on it: checking the batch,
 * inserting its sent and received rows (through {@link SqliteRows}), telling repeated received messages from new
 * ones, and marking deliveries, all committed whole or rolled back. The reads made on the same connection are
 * {@link SqliteReads}, which this writer's connection carries, and which it asks for the received watermark.
 *
 * <p><b>Disk faults.</b> A batch that meets a full disk, an I/O error or a read-only file system (or finds less
 * free space than the store's floor before it starts) throws {@link StoreUnavailableException}; any failure but a
 * unique index refusing a row also lets go of the connection and its statements, which sqlite-jdbc may have
 * finalized and SQLite may have left outside a transaction, and the next call opens them again. So the writer
 * recovers by itself once the condition clears, and until then each call fails at once, cheaply.
 *
 * <p>Owned by the store thread: the single thread that calls {@link MessageStore}'s write and read methods in the
 * node. Not thread-safe; {@link SqliteMessageStore} lets one thread in at a time.
 */
final class SqliteWriter implements AutoCloseable {

    private static final WriteResult NOTHING_RECEIVED = new WriteResult(List.of());

    static final String SENT_EXISTS = "SELECT 1 FROM message WHERE direction = " + SENT + " AND peer = ? AND seq = ?";
    static final String FIRST_RECEIVER_TIME = "SELECT receiver_time_micros FROM message WHERE direction = " + RECEIVED
            + " AND peer = ? AND sender_incarnation = ? AND seq = ?";

    /** Opens a new read-write connection to the store file, set up as the first one was. */
    interface Opener {
        Connection open() throws SQLException;
    }

    private record SentKey(NodeId recipient, long sequence) {
    }

    private record StreamKey(NodeId sender, long incarnation, long sequence) {
    }

    private record Stream(NodeId sender, long incarnation) {
    }

    private final Path file;
    private final NodeId owner;
    private final Opener opener;
    private final SqliteFreeSpace space;
    private SqliteWriterConnection current; // null once let go of, until the next call opens another
    private boolean closed;

    /**
     * @param first the connection the store was opened, checked and migrated on
     * @param opener opens another when this one is let go of after a failure
     */
    SqliteWriter(Connection first, Path file, NodeId owner, Opener opener, SqliteFreeSpace space) throws SQLException {
        this.file = file;
        this.owner = owner;
        this.opener = opener;
        this.space = space;
        this.current = SqliteWriterConnection.on(first, file, owner);
    }

    /** The reads on this writer's connection (opened again if it was let go of); owned by the store thread. */
    SqliteReads reads() {
        try {
            return connection().reads();
        } catch (SQLException e) {
            throw failed("could not open message store " + file + " again", e);
        }
    }

    /** The connection, opened again if the last one failed. */
    private SqliteWriterConnection connection() throws SQLException {
        if (closed) {
            throw new StoreException("message store " + file + " is closed");
        }
        if (current != null && current.broken()) {
            letGo(null);
        }
        if (current == null) {
            current = SqliteWriterConnection.on(opener.open(), file, owner);
        }
        return current;
    }

    /** Stores the whole batch in one transaction, or nothing of it. */
    WriteResult apply(WriteBatch batch) {
        if (batch.isEmpty()) {
            return NOTHING_RECEIVED;
        }
        checkApplicable(batch);
        space.check();
        SqliteWriterConnection c = null;
        try {
            c = connection();
            c.begin();
            try {
                insertRows(c.insertSentMany, c.insertSent, batch.sent());
                List<WriteResult.ReceiveOutcome> outcomes = insertReceived(c, batch.received());
                SqliteRows.deliver(c.deliverMany, c.deliver, batch.deliveries());
                c.commit();
                return new WriteResult(outcomes);
            } catch (SQLException | RuntimeException e) {
                c.rollbackIfOpen(e);
                throw e;
            }
        } catch (SQLException e) {
            if (SqliteConnections.isUniqueViolation(e) && c != null && !c.inTransaction()) {
                StoreException named = alreadyStored(c, batch.sent());
                if (named != null) {
                    throw named;
                }
            }
            letGo(e);
            throw failed("could not store a batch of " + batch.size() + " changes in " + file, e);
        }
    }

    private StoreException failed(String what, SQLException e) {
        if (SqliteConnections.isUnavailable(e)) {
            return new StoreUnavailableException(what + ": " + e.getMessage()
                    + "; the node holds the batch and tries again until the store can write", e);
        }
        return new StoreException(what + ": " + e.getMessage(), e);
    }

    /** Closes the connection and its statements; the next call opens new ones. */
    private void letGo(Exception failure) {
        SqliteWriterConnection c = current;
        current = null;
        if (c == null) {
            return;
        }
        try {
            c.close(); // SQLite rolls back a transaction still open on it
        } catch (SQLException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
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

    /**
     * Inserts the first copy of each received message that is not stored yet; every other copy is a duplicate,
     * reported with the receiver time of the copy that was stored.
     *
     * <p>A message above the highest sequence stored of its stream cannot be stored yet, so those (the usual
     * case) go in many to a statement; only those at or below it, which may be repeats, are inserted one by one
     * to learn which ones were.
     */
    private List<WriteResult.ReceiveOutcome> insertReceived(SqliteWriterConnection c, List<Message> messages)
            throws SQLException {
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
                    k -> c.reads().receivedWatermark(k.sender(), k.incarnation()));
            if (m.sequence() > highest) {
                fresh.add(m);
            } else {
                maybeRepeated.add(i);
            }
        }
        insertRows(c.insertReceivedMany, c.insertReceived, fresh);
        boolean[] repeated = new boolean[messages.size()];
        for (int i : maybeRepeated) {
            bindRow(c.insertReceived, 0, messages.get(i));
            repeated[i] = c.insertReceived.executeUpdate() == 0;
        }
        WriteResult.ReceiveOutcome[] outcomes = new WriteResult.ReceiveOutcome[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (firstCopy[i] != i) {
                outcomes[i] = new WriteResult.ReceiveOutcome(true, outcomes[firstCopy[i]].receiverTimeMicros());
            } else if (repeated[i]) {
                outcomes[i] = new WriteResult.ReceiveOutcome(true, storedReceiverTime(c.firstReceiverTime, m));
            } else {
                outcomes[i] = new WriteResult.ReceiveOutcome(false, m.receiverTimeMicros());
            }
        }
        return List.of(outcomes);
    }

    private long storedReceiverTime(PreparedStatement firstReceiverTime, Message m) throws SQLException {
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

    /** After a unique index refused a sent message: which one was stored before, if any. */
    private StoreException alreadyStored(SqliteWriterConnection c, List<Message> sent) {
        PreparedStatement sentExists = c.sentExists;
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

    /** Closes the connection and its statements; the writer opens no other. */
    @Override
    public void close() throws SQLException {
        closed = true;
        SqliteWriterConnection c = current;
        current = null;
        if (c != null) {
            c.close();
        }
    }
}
