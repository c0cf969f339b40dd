package io.parley.messaging.store;

import static io.parley.messaging.store.SqliteRows.DELIVER;
import static io.parley.messaging.store.SqliteRows.DELIVER_MANY;
import static io.parley.messaging.store.SqliteRows.INSERT_RECEIVED;
import static io.parley.messaging.store.SqliteRows.INSERT_RECEIVED_MANY;
import static io.parley.messaging.store.SqliteRows.INSERT_SENT;
import static io.parley.messaging.store.SqliteRows.INSERT_SENT_MANY;

import io.parley.messaging.NodeId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One read-write connection of the {@link SqliteWriter}, the statements prepared on it, the {@link SqliteReads} on
 * it, and whether a transaction is open on it. The writer lets go of one after a failure that may have left it
 * unusable (sqlite-jdbc finalizes a statement that fails with a disk error, and SQLite may have rolled the
 * transaction back by itself) and opens another.
 *
 * <p>Whether a transaction is open is tracked, not guessed: {@link #begin()} opens one, {@link #commit()} ends it,
 * and SQLite's rollback hook ends it too, also when SQLite rolled back by itself after {@code SQLITE_FULL}, so that
 * {@link #rollbackIfOpen} never runs a {@code ROLLBACK} with no transaction to roll back.
 *
 * <p>Owned by the store thread, like the writer.
 */
final class SqliteWriterConnection implements AutoCloseable {

    private final Connection connection;
    private final List<PreparedStatement> statements = new ArrayList<>();
    private final PreparedStatement begin;
    private final PreparedStatement commit;
    final PreparedStatement insertSent;
    final PreparedStatement insertSentMany;
    final PreparedStatement insertReceived;
    final PreparedStatement insertReceivedMany;
    final PreparedStatement deliver;
    final PreparedStatement deliverMany;
    final PreparedStatement sentExists;
    final PreparedStatement firstReceiverTime;
    private final SqliteReads reads;
    private boolean inTransaction;
    private boolean broken;

    /** Prepares everything on {@code connection}; if that fails, closes the connection before it throws. */
    static SqliteWriterConnection on(Connection connection, Path file, NodeId owner) throws SQLException {
        try {
            return new SqliteWriterConnection(connection, file, owner);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private SqliteWriterConnection(Connection connection, Path file, NodeId owner) throws SQLException {
        this.connection = connection;
        SqliteConnections.onRollback(connection, () -> inTransaction = false);
        begin = prepare("BEGIN IMMEDIATE");
        commit = prepare("COMMIT");
        insertSent = prepare(INSERT_SENT);
        insertSentMany = prepare(INSERT_SENT_MANY);
        insertReceived = prepare(INSERT_RECEIVED);
        insertReceivedMany = prepare(INSERT_RECEIVED_MANY);
        deliver = prepare(DELIVER);
        deliverMany = prepare(DELIVER_MANY);
        sentExists = prepare(SqliteWriter.SENT_EXISTS);
        firstReceiverTime = prepare(SqliteWriter.FIRST_RECEIVER_TIME);
        reads = new SqliteReads(connection, file, owner, () -> broken = true);
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement s = connection.prepareStatement(sql);
        statements.add(s);
        return s;
    }

    /** Whether a read on it failed: it is let go of before it is used again. */
    boolean broken() {
        return broken;
    }

    SqliteReads reads() {
        return reads;
    }

    void begin() throws SQLException {
        begin.execute();
        inTransaction = true;
    }

    void commit() throws SQLException {
        commit.execute();
        inTransaction = false;
    }

    /** Whether a transaction is open on this connection: begun, and neither committed nor rolled back. */
    boolean inTransaction() {
        return inTransaction;
    }

    /**
     * Rolls back the open transaction, if there is one: after a disk error SQLite may have rolled it back already,
     * and a {@code ROLLBACK} then only fails ("cannot rollback - no transaction is active"). A rollback that fails
     * is added to {@code failure}.
     */
    void rollbackIfOpen(Exception failure) {
        if (!inTransaction) {
            return;
        }
        try {
            SqliteSchema.run(connection, "ROLLBACK"); // a statement of its own: a prepared one may be finalized
            inTransaction = false;
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** Closes the statements, the reads and the connection; throws the last failure, if any. */
    @Override
    public void close() throws SQLException {
        SQLException failure = SqliteConnections.closeAll(statements);
        try {
            reads.close();
        } catch (SQLException e) {
            failure = e;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            failure = e;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
