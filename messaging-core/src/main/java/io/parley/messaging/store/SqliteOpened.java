package io.parley.messaging.store;

import io.parley.messaging.NodeId;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.UnaryOperator;

/**
 * What an open {@link SqliteMessageStore} holds: the lock file, the writer (with the reads on its connection) and
 * the history readers; how a file is opened into one and how it is let go of.
 *
 * <p>Its fields never change. It is made and closed under the store's lock, by whichever thread calls
 * {@link SqliteMessageStore#open} or {@link SqliteMessageStore#close}; its {@link #writer()} and the writer's
 * reads are owned by the store thread, its {@link #history()} is shared by any thread that asks for history.
 */
final class SqliteOpened {

    /**
     * Pages the write-ahead log grows to before it is copied back into the file (SQLite's default is 1,000). The
     * same index pages change in batch after batch; a longer log copies each of them back once rather than many
     * times, at the cost of a log file of up to this many pages (32 MiB at 4 KiB pages).
     */
    static final int WAL_CHECKPOINT_PAGES = 8192;

    private final FileLock lock;
    private final Path file;
    private final SqliteWriter writer;
    private final SqliteHistory history;
    private final NodeId owner;
    private final long incarnation;

    private SqliteOpened(FileLock lock, Path file, SqliteWriter writer, SqliteHistory history, NodeId owner,
            long incarnation) {
        this.lock = lock;
        this.file = file;
        this.writer = writer;
        this.history = history;
        this.owner = owner;
        this.incarnation = incarnation;
    }

    /**
     * Takes the lock file, then opens {@code file} for {@code owner}, creating it if it does not exist and migrating
     * it; if that fails, closes the connection and lets go of the lock file before it throws.
     */
    static SqliteOpened open(Path file, SqliteMessageStore.Synchronous synchronous, NodeId owner,
            SqliteFreeSpace space, UnaryOperator<Connection> wrap) {
        FileLock fileLock = SqliteFiles.lock(file);
        Connection connection = null;
        try {
            SqliteFiles.createIfAbsent(file);
            connection = wrap.apply(SqliteConnections.openWriter(file, synchronous));
            int version = SqliteSchema.versionOf(connection, file);
            if (version > 0) {
                SqliteSchema.check(connection, file, version); // before anything in the file changes
            }
            enableWal(connection, file);
            SqliteSchema.migrate(connection, file, version, SqliteSchema.CURRENT_VERSION);
            long incarnation = SqliteSchema.claim(connection, file, owner);
            SqliteWriter.Opener again = () -> checkpointEvery(wrap.apply(SqliteConnections.openWriter(file, synchronous)));
            return new SqliteOpened(fileLock, file, new SqliteWriter(connection, file, owner, again, space),
                    new SqliteHistory(file, owner), owner, incarnation);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection, e);
            try {
                SqliteFiles.release(fileLock);
            } catch (StoreException releaseFailure) {
                e.addSuppressed(releaseFailure);
            }
            if (e instanceof StoreException s) {
                throw s;
            }
            if (e instanceof SQLException q && SqliteConnections.isNotADatabase(q)) {
                throw new StoreException(file + " is not a Parley message store: it is not an SQLite database", e);
            }
            throw new StoreException("could not open message store " + file + ": " + e.getMessage(), e);
        }
    }

    private static void enableWal(Connection connection, Path file) throws SQLException {
        try (var s = connection.prepareStatement("PRAGMA journal_mode = WAL"); var r = s.executeQuery()) {
            String mode = r.next() ? r.getString(1) : null;
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new StoreException("message store " + file + " cannot use write-ahead logging (journal mode "
                        + mode + ")");
            }
        }
        checkpointEvery(connection);
    }

    /** Sets {@link #WAL_CHECKPOINT_PAGES}, a setting of the connection rather than of the file; returns it. */
    private static Connection checkpointEvery(Connection connection) throws SQLException {
        try (var s = connection.prepareStatement("PRAGMA wal_autocheckpoint = " + WAL_CHECKPOINT_PAGES); var r = s.executeQuery()) {
            r.next();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return connection;
    }

    SqliteWriter writer() {
        return writer;
    }

    SqliteHistory history() {
        return history;
    }

    NodeId owner() {
        return owner;
    }

    long incarnation() {
        return incarnation;
    }

    /** Closes the history readers, then the writer and its connection, then lets go of the lock file. */
    void close() {
        StoreException failure = null;
        try {
            history.close();
        } catch (SQLException e) {
            failure = new StoreException("could not close message store " + file + ": " + e.getMessage(), e);
        }
        try {
            writer.close();
        } catch (SQLException e) {
            if (failure == null) {
                failure = new StoreException("could not close message store " + file + ": " + e.getMessage(), e);
            }
        }
        SqliteFiles.release(lock);
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
