package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteCodec.COLUMNS;
import static io.parley.messaging.store.SqliteCodec.PENDING;
import static io.parley.messaging.store.SqliteCodec.RECEIVED;
import static io.parley.messaging.store.SqliteCodec.SENT;

import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The reads made on the writer's connection, and their prepared statements: the received watermark of a stream
 * (also asked by {@link SqliteWriter} inside its transaction), a page of received or of pending messages, and the
 * outboxes. They see every batch the writer committed, and the writer's own uncommitted rows within its
 * transaction.
 *
 * <p>Owned by the store thread, like the {@link SqliteWriter} that makes it and whose {@link Connection} it shares:
 * the single thread that calls {@link MessageStore}'s write and read methods in the node. Not thread-safe;
 * {@link SqliteMessageStore} lets one thread in at a time. The writer closes it, and then the connection.
 */
final class SqliteReads implements AutoCloseable {

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

    private final Connection connection;
    private final Path file;
    private final NodeId owner;
    private final List<PreparedStatement> statements = new ArrayList<>();
    private final PreparedStatement watermark;
    private final PreparedStatement received;
    private final PreparedStatement pending;
    private final PreparedStatement nextRecipient;
    private final PreparedStatement lastSent;
    private final PreparedStatement pendingSummary;
    private final Runnable onFailure;

    /** @param onFailure told of every read that fails, before it throws: the connection may be unusable */
    SqliteReads(Connection connection, Path file, NodeId owner, Runnable onFailure) throws SQLException {
        this.connection = connection;
        this.file = file;
        this.owner = owner;
        this.onFailure = onFailure;
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

    List<Message> pending(NodeId recipient, long afterSequence, int limit, long maxBytes) {
        checkLimit(limit);
        try {
            pending.setString(1, recipient.value());
            pending.setLong(2, afterSequence);
            pending.setInt(3, limit);
            try (ResultSet r = pending.executeQuery()) {
                List<Message> messages = new ArrayList<>();
                long bytes = 0;
                while (bytes < maxBytes && r.next()) { // the rows after the cap are never materialized
                    Message m = SqliteCodec.read(r, owner);
                    messages.add(m);
                    bytes += m.payloadSize();
                }
                return messages;
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
        onFailure.run();
        if (SqliteConnections.isUnavailable(e)) {
            return new StoreUnavailableException("cannot read message store " + file + ": " + e.getMessage(), e);
        }
        return new StoreException("could not read message store " + file + ": " + e.getMessage(), e);
    }

    /** Closes the statements, not the connection, which is the writer's; throws the last failure, if any. */
    @Override
    public void close() throws SQLException {
        SQLException failure = SqliteConnections.closeAll(statements);
        if (failure != null) {
            throw failure;
        }
    }
}
