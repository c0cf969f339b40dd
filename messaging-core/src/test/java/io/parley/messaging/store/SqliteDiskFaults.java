package io.parley.messaging.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Disk faults for an {@link SqliteMessageStore}, made by SQLite itself where it can be: a public seam for tests in
 * other packages. Every read-write connection the store opens goes through it.
 *
 * <ul>
 *   <li>{@link #fillUp()}: the database may grow no further ({@code PRAGMA max_page_count} at its current size),
 *       so SQLite fails the next write that needs a page with {@code SQLITE_FULL}, rolls the transaction back by
 *       itself, and sqlite-jdbc finalizes the statement that failed: exactly what a full disk does to the writer.
 *   <li>{@link #failCommits(boolean)}: every {@code COMMIT} fails as one on a full disk does: SQLite rolls the
 *       transaction back, then the driver reports {@code SQLITE_FULL} and finalizes the statement.
 *   <li>{@link #floor}: the free space the store sees, for its free-space floor.
 * </ul>
 */
public final class SqliteDiskFaults {

    private static final int NO_LIMIT = 1_073_741_823;

    private final AtomicBoolean full = new AtomicBoolean();
    private final AtomicBoolean failCommits = new AtomicBoolean();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicLong usableBytes = new AtomicLong(Long.MAX_VALUE);
    private volatile Connection latest;

    /** A store on {@code file} with these faults and a free-space floor of {@code minFreeBytes}. */
    public SqliteMessageStore store(Path file, long minFreeBytes) {
        return SqliteMessageStore.builder(file).minFreeBytes(minFreeBytes).usableBytes(p -> usableBytes.get())
                .wrapWriterConnections(this::wrap).build();
    }

    /** The free space the store's floor is compared with (default: unlimited). */
    public void floor(long usable) {
        usableBytes.set(usable);
    }

    /** Read-write connections opened so far: the first, and one after each failure that let one go. */
    public int connectionsOpened() {
        return opened.get();
    }

    /**
     * The database can grow no more: on the open connection (call it on the thread that writes, or while it
     * does not) and on each one opened until {@link #makeRoom()}.
     */
    public void fillUp() throws SQLException {
        full.set(true);
        Connection c = latest;
        if (c != null && !c.isClosed()) {
            limitPages(c);
        }
    }

    /** The database can grow again. */
    public void makeRoom() throws SQLException {
        full.set(false);
        Connection c = latest;
        if (c != null && !c.isClosed()) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA max_page_count = " + NO_LIMIT);
            }
        }
    }

    /** Whether every COMMIT fails with SQLITE_FULL after SQLite rolled the transaction back. */
    public void failCommits(boolean fail) {
        failCommits.set(fail);
    }

    private static void limitPages(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA max_page_count = 1"); // clamped to the pages the file has now
        }
    }

    private Connection wrap(Connection real) {
        opened.incrementAndGet();
        latest = real;
        try {
            if (full.get()) {
                limitPages(real);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return proxy(Connection.class, real, (method, args) -> {
            Object result = method.invoke(real, args);
            if (method.getName().equals("prepareStatement") && "COMMIT".equals(args[0])) {
                return commit(real, (PreparedStatement) result);
            }
            return result;
        });
    }

    private PreparedStatement commit(Connection real, PreparedStatement commit) {
        return proxy(PreparedStatement.class, commit, (method, args) -> {
            if (method.getName().equals("execute") && failCommits.get()) {
                try (Statement s = real.createStatement()) {
                    s.execute("ROLLBACK"); // SQLite gives up the transaction by itself
                }
                commit.close(); // and sqlite-jdbc finalizes the statement that failed
                throw new SQLiteException("[SQLITE_FULL] Insertion failed because database is full (database or"
                        + " disk is full)", SQLiteErrorCode.SQLITE_FULL);
            }
            return method.invoke(commit, args);
        });
    }

    private interface Call {
        Object call(Method method, Object[] args) throws Throwable;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T real, Call call) {
        InvocationHandler h = (p, method, args) -> {
            if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return method.invoke(real, args);
            }
            try {
                return call.call(method, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (T) Proxy.newProxyInstance(SqliteDiskFaults.class.getClassLoader(), new Class<?>[] {type}, h);
    }
}
