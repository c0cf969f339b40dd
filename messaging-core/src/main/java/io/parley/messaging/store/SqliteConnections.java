package io.parley.messaging.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteOpenMode;

/** Connections to a store file, and what sqlite-jdbc's errors mean. The only class that names sqlite-jdbc. */
final class SqliteConnections {

    /** How long a connection waits for a lock another holds, such as a checkpoint's, before it fails. */
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;
    /** Page cache of the writer, in KiB: the indexes' upper levels and the recent pages stay in memory. */
    private static final int WRITER_CACHE_KIB = 16 * 1024;
    /** Page cache of each history reader, in KiB. */
    private static final int READER_CACHE_KIB = 4 * 1024;

    private SqliteConnections() {
    }

    /** Whether sqlite-jdbc, an optional dependency, is on the class path. */
    static boolean driverPresent() {
        try {
            Class.forName("org.sqlite.SQLiteConfig", false, SqliteConnections.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The read-write connection to an existing file. It sets no journal mode: the file is checked to be a store
     * before anything in it changes.
     */
    static Connection openWriter(Path file, SqliteMessageStore.Synchronous synchronous) throws SQLException {
        SQLiteConfig config = common(WRITER_CACHE_KIB);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setSynchronous(synchronous == SqliteMessageStore.Synchronous.FULL
                ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        // On macOS a plain fsync leaves the data in the drive's cache; F_FULLFSYNC does not. Elsewhere a no-op.
        config.enableFullSync(synchronous == SqliteMessageStore.Synchronous.FULL);
        return config.createConnection(url(file));
    }

    /** A read-only connection for history; it reads beside the writer, as the file is in WAL mode. */
    static Connection openReader(Path file) throws SQLException {
        SQLiteConfig config = common(READER_CACHE_KIB);
        config.setReadOnly(true);
        return config.createConnection(url(file));
    }

    private static SQLiteConfig common(int cacheKib) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.setCacheSize(-cacheKib); // negative: KiB rather than pages
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        return config;
    }

    private static String url(Path file) {
        return "jdbc:sqlite:" + file;
    }

    /** Whether {@code e} says the file is not an SQLite database at all. */
    static boolean isNotADatabase(SQLException e) {
        return e instanceof SQLiteException s && s.getResultCode() == SQLiteErrorCode.SQLITE_NOTADB;
    }

    /**
     * Whether {@code e} is a condition of the disk rather than of the data, one that may clear by itself: full
     * ({@code SQLITE_FULL}), I/O errors ({@code SQLITE_IOERR} and its extended codes), read-only
     * ({@code SQLITE_READONLY}, as after a remount), the file cannot be opened ({@code SQLITE_CANTOPEN}), or it is
     * locked by another connection for longer than the busy timeout ({@code SQLITE_BUSY}).
     */
    static boolean isUnavailable(SQLException e) {
        if (!(e instanceof SQLiteException)) {
            return false;
        }
        int primary = e.getErrorCode() & 0xFF;
        return primary == SQLiteErrorCode.SQLITE_FULL.code || primary == SQLiteErrorCode.SQLITE_IOERR.code
                || primary == SQLiteErrorCode.SQLITE_READONLY.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code
                || primary == SQLiteErrorCode.SQLITE_BUSY.code;
    }

    /**
     * Calls {@code onRollback} whenever SQLite rolls back a transaction on {@code c}: after a {@code ROLLBACK}, and
     * also when SQLite rolls one back by itself, as it does when a {@code COMMIT} or a write meets a full disk.
     * The connection may be a wrapper, which must hand out the driver's connection through {@code unwrap}.
     */
    static void onRollback(Connection c, Runnable onRollback) throws SQLException {
        c.unwrap(SQLiteConnection.class).getDatabase().addCommitListener(new SQLiteCommitListener() {
            @Override
            public void onCommit() {
            }

            @Override
            public void onRollback() {
                onRollback.run();
            }
        });
    }

    /** Whether {@code e} says the file is damaged ({@code SQLITE_CORRUPT}, {@code SQLITE_NOTADB}). */
    static boolean isCorrupt(SQLException e) {
        return e instanceof SQLiteException && ((e.getErrorCode() & 0xFF) == SQLiteErrorCode.SQLITE_CORRUPT.code
                || (e.getErrorCode() & 0xFF) == SQLiteErrorCode.SQLITE_NOTADB.code);
    }

    /**
     * Interrupts any statement on {@code c} that runs past {@code deadlineNanos} ({@link System#nanoTime()}): it
     * fails with {@code SQLITE_INTERRUPT}. For readers of files that may be crafted.
     */
    static void deadline(Connection c, long deadlineNanos) throws SQLException {
        ProgressHandler.setHandler(c.unwrap(SQLiteConnection.class), 10_000, new ProgressHandler() {
            @Override
            protected int progress() {
                return System.nanoTime() - deadlineNanos > 0 ? 1 : 0;
            }
        });
    }

    /** Whether {@code e} is a statement interrupted, as by {@link #deadline}. */
    static boolean isInterrupted(SQLException e) {
        return e instanceof SQLiteException && (e.getErrorCode() & 0xFF) == SQLiteErrorCode.SQLITE_INTERRUPT.code;
    }

    /** Whether {@code e} is a unique index refusing a row. */
    static boolean isUniqueViolation(SQLException e) {
        return e instanceof SQLiteException s && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
    }

    /** Closes every statement; returns the last failure, or null if all closed. */
    static SQLException closeAll(Iterable<? extends java.sql.Statement> statements) {
        SQLException failure = null;
        for (java.sql.Statement s : statements) {
            try {
                s.close();
            } catch (SQLException e) {
                failure = e;
            }
        }
        return failure;
    }
}
