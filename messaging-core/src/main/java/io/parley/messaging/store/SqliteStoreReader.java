package io.parley.messaging.store;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * Reads the messages in a {@link SqliteMessageStore} file without opening it as a store: for tools that show a
 * node's history, also while the node runs and holds the file.
 *
 * <pre>{@code
 * try (SqliteStoreReader reader = SqliteStoreReader.open(Path.of("parley-data", "n1.db"))) {
 *     reader.history(HistoryQuery.all()).forEach(m -> System.out.println(m.peer() + " " + m.text()));
 * }
 * }</pre>
 *
 * <p>It reads on read-only connections, never changes the file, does not take the store's lock file, and never
 * migrates: a store of an older schema version is refused until its node has opened it once with this version.
 * Each query sees every batch the node committed before it, whole. Thread-safe.
 */
public final class SqliteStoreReader implements AutoCloseable {

    /** Longest {@link #open} spends checking a file before it refuses it. */
    public static final Duration CHECK_TIME_LIMIT = Duration.ofSeconds(30);

    /**
     * Largest payload a row may have: a file with a larger one is refused, as no node stores one (a node's largest
     * payload is at most its largest frame, 16 MiB by default).
     */
    public static final int MAX_ROW_PAYLOAD_BYTES = 16 * 1024 * 1024;

    private final Path file;
    private final NodeId owner;
    private final long incarnation;
    private final SqliteHistory history;

    private SqliteStoreReader(Path file, NodeId owner, long incarnation) {
        this.file = file;
        this.owner = owner;
        this.incarnation = incarnation;
        this.history = new SqliteHistory(file, owner);
    }

    /**
     * Checks that {@code file} is a Parley message store of this version and readies it for reading.
     *
     * <p>It also refuses, reading only, a file whose tables and indexes are not exactly those of a store (a view or
     * a trigger among them), one that fails SQLite's {@code PRAGMA quick_check}, one with a payload over
     * {@link #MAX_ROW_PAYLOAD_BYTES}, and one whose checks take longer than {@link #CHECK_TIME_LIMIT}.
     *
     * @throws StoreException with one sentence naming the file and the problem: it does not exist, cannot be read,
     *     is not an SQLite database, is an SQLite database of another application, holds no store yet, was made by
     *     an older (not yet migrated) or a newer Parley, has a schema that is not a store's, is damaged, has a row
     *     too large, or takes too long to check
     */
    public static SqliteStoreReader open(Path file) {
        Path path = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new StoreException("message store " + path + " does not exist");
        }
        if (!Files.isRegularFile(path)) {
            throw new StoreException(path + " is not a message store: it is not a regular file");
        }
        if (!Files.isReadable(path)) {
            throw new StoreException("cannot read message store " + path + ": permission denied");
        }
        if (!SqliteConnections.driverPresent()) {
            throw new StoreException("SqliteStoreReader needs org.xerial:sqlite-jdbc on the class path");
        }
        try (Connection c = SqliteConnections.openReader(path)) {
            int version = SqliteSchema.versionOf(c, path);
            if (version == 0) {
                throw new StoreException(path + " is not a Parley message store yet: it is empty");
            }
            if (version < SqliteSchema.CURRENT_VERSION) {
                throw new StoreException(path + " has schema version " + version + " of an older Parley; start its node"
                        + " once with this version to migrate it");
            }
            SqliteConnections.deadline(c, System.nanoTime() + CHECK_TIME_LIMIT.toNanos());
            SqliteSchema.check(c, path, version);
            try (PreparedStatement s = c.prepareStatement("SELECT max(length(payload)) FROM message");
                 ResultSet r = s.executeQuery()) {
                long largest = r.next() ? r.getLong(1) : 0;
                if (largest > MAX_ROW_PAYLOAD_BYTES) {
                    throw new StoreException(path + " is not a valid Parley message store: it holds a payload of "
                            + largest + " bytes, over the " + MAX_ROW_PAYLOAD_BYTES + " bytes a node stores");
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT owner, incarnation FROM store_meta WHERE id = 1");
                 ResultSet row = s.executeQuery()) {
                if (!row.next()) {
                    throw new StoreException(path + " is not a Parley message store yet: no node has claimed it");
                }
                return new SqliteStoreReader(path, new NodeId(row.getString(1)), row.getLong(2));
            }
        } catch (SQLException e) {
            if (SqliteConnections.isNotADatabase(e)) {
                throw new StoreException(path + " is not a Parley message store: it is not an SQLite database", e);
            }
            if (SqliteConnections.isInterrupted(e)) {
                throw new StoreException("refusing " + path + ": checking it took longer than "
                        + CHECK_TIME_LIMIT.toSeconds() + " s", e);
            }
            throw new StoreException("cannot read message store " + path + ": " + e.getMessage(), e);
        }
    }

    /** The store file, as an absolute path. */
    public Path file() {
        return file;
    }

    /** The node the store belongs to. */
    public NodeId owner() {
        return owner;
    }

    /** The incarnation recorded in the store. */
    public long incarnation() {
        return incarnation;
    }

    /**
     * Stored messages matching {@code query}, in its order, at most its limit, as {@link MessageStore#history}.
     *
     * @throws StoreException if the file cannot be read
     */
    public List<Message> history(HistoryQuery query) {
        return history.history(Objects.requireNonNull(query, "query"));
    }

    /** Closes the connections kept for the next query. */
    @Override
    public void close() {
        try {
            history.close();
        } catch (SQLException e) {
            throw new StoreException("could not close the reader of message store " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SqliteStoreReader[" + file + ", owner " + owner + "]";
    }
}
