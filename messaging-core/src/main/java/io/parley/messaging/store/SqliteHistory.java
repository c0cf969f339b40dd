package io.parley.messaging.store;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * History queries, on read-only connections of their own so that they run on any thread beside the writer:
 * in WAL mode a reader sees the file as of its statement's start, every batch committed before it whole and
 * nothing of one committed after. A few idle connections are kept for the next query; a query that finds none
 * idle opens one.
 */
final class SqliteHistory implements AutoCloseable {

    /** Idle reader connections kept open. */
    private static final int MAX_IDLE = 2;

    private static final String ORDER_ASC = "hlc_wall, hlc_logical, id, direction, "
            + "(CASE direction WHEN 1 THEN peer END), sender_incarnation, seq, peer";
    private static final String ORDER_DESC = "hlc_wall DESC, hlc_logical DESC, id DESC, direction DESC, "
            + "(CASE direction WHEN 1 THEN peer END) DESC, sender_incarnation DESC, seq DESC, peer DESC";
    // With one peer the sender (of a received row) and the recipient (of a sent row) are that peer: the order is
    // the same, and it is message_peer_clock's.
    private static final String PEER_ORDER_ASC = "hlc_wall, hlc_logical, id, direction, sender_incarnation, seq";
    private static final String PEER_ORDER_DESC =
            "hlc_wall DESC, hlc_logical DESC, id DESC, direction DESC, sender_incarnation DESC, seq DESC";

    private final Path file;
    private final NodeId owner;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

    SqliteHistory(Path file, NodeId owner) {
        this.file = file;
        this.owner = owner;
    }

    List<Message> history(HistoryQuery query) {
        try {
            Connection c = idle.pollFirst();
            if (c == null) {
                c = SqliteConnections.openReader(file);
            }
            boolean reusable = false;
            try {
                List<Message> page = query(c, query);
                reusable = true;
                return page;
            } finally {
                if (reusable && idle.size() < MAX_IDLE) {
                    idle.offerFirst(c);
                } else {
                    c.close();
                }
            }
        } catch (SQLException e) {
            throw new StoreException("could not read the history of message store " + file + ": " + e.getMessage(), e);
        }
    }

    private List<Message> query(Connection c, HistoryQuery query) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql(query))) {
            bind(s, query);
            try (ResultSet rows = s.executeQuery()) {
                return SqliteCodec.readAll(rows, owner);
            }
        }
    }

    /**
     * The statement for {@code query}. Its text depends only on which filters are set, never on their values,
     * which {@link #bind} binds in the same order.
     */
    static String sql(HistoryQuery query) {
        boolean newestFirst = query.order() == HistoryQuery.Order.NEWEST_FIRST;
        StringBuilder sql = new StringBuilder("SELECT ").append(SqliteCodec.COLUMNS)
                .append(" FROM message WHERE sender_time_micros >= ? AND sender_time_micros < ?");
        if (query.peer().isPresent()) {
            sql.append(" AND peer = ?");
        }
        if (query.direction().isPresent()) {
            // The unary + keeps the planner from taking the column as fixed, which would cost a sort.
            sql.append(" AND +direction = ?");
        }
        if (query.status().isPresent()) {
            sql.append(" AND status = ?");
        }
        if (query.hasReceiverTimeRange()) {
            sql.append(" AND receiver_time_micros >= ? AND receiver_time_micros < ?"); // NULL (unknown) matches neither
        }
        if (query.afterHlc().isPresent()) {
            sql.append(newestFirst ? " AND (hlc_wall, hlc_logical, id) < (?, ?, ?)"
                    : " AND (hlc_wall, hlc_logical, id) > (?, ?, ?)");
        }
        sql.append(" ORDER BY ");
        if (query.peer().isPresent()) {
            sql.append(newestFirst ? PEER_ORDER_DESC : PEER_ORDER_ASC);
        } else {
            sql.append(newestFirst ? ORDER_DESC : ORDER_ASC);
        }
        return sql.append(" LIMIT ?").toString();
    }

    static void bind(PreparedStatement s, HistoryQuery query) throws SQLException {
        int i = 1;
        s.setLong(i++, query.fromSenderMicros());
        s.setLong(i++, query.toSenderMicros());
        if (query.peer().isPresent()) {
            s.setString(i++, query.peer().get().value());
        }
        if (query.direction().isPresent()) {
            s.setInt(i++, SqliteCodec.direction(query.direction().get()));
        }
        if (query.status().isPresent()) {
            s.setInt(i++, SqliteCodec.status(query.status().get()));
        }
        if (query.hasReceiverTimeRange()) {
            s.setLong(i++, query.fromReceiverMicros());
            s.setLong(i++, query.toReceiverMicros());
        }
        if (query.afterHlc().isPresent()) {
            s.setLong(i++, query.afterHlc().get().wallMicros());
            s.setInt(i++, query.afterHlc().get().logical());
            s.setBytes(i++, SqliteCodec.id(query.afterId().orElseThrow()));
        }
        s.setInt(i, query.limit());
    }

    /** Closes the idle connections; the caller makes sure no query is running. */
    @Override
    public void close() throws SQLException {
        SQLException failure = null;
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            try {
                c.close();
            } catch (SQLException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
