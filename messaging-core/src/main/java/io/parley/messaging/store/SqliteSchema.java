package io.parley.messaging.store;

import io.parley.messaging.NodeId;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layout of a store file and how it grows: {@link #MIGRATIONS} in order, each taking the file one schema
 * version further in a transaction of its own, the version kept in {@code PRAGMA user_version}. A step, once
 * released, never changes: a file made by it is migrated by the steps after it.
 */
final class SqliteSchema {

    private static final Logger log = LoggerFactory.getLogger(SqliteSchema.class);

    /** {@code PRAGMA application_id} of a Parley store: "Prly" in ASCII. */
    static final int APPLICATION_ID = 0x50726C79;

    /** One step: the statements that take a file from schema version {@code version - 1} to {@code version}. */
    record Migration(int version, String description, List<String> statements) {
    }

    /** Version 1: the meta row, the messages and their stream and clock indexes. */
    private static final Migration V1 = new Migration(1, "initial schema", List.of(
            "PRAGMA application_id = " + APPLICATION_ID,
            """
            CREATE TABLE store_meta (
                id          INTEGER PRIMARY KEY CHECK (id = 1),
                owner       TEXT    NOT NULL,
                incarnation INTEGER NOT NULL CHECK (incarnation <> 0)
            ) STRICT""",
            """
            CREATE TABLE message (
                id                   BLOB    NOT NULL CHECK (length(id) = 16),
                direction            INTEGER NOT NULL CHECK (direction IN (0, 1)),
                peer                 TEXT    NOT NULL,
                sender_incarnation   INTEGER NOT NULL,
                seq                  INTEGER NOT NULL,
                status               INTEGER NOT NULL,
                sender_time_micros   INTEGER NOT NULL,
                receiver_time_micros INTEGER,
                hlc_wall             INTEGER NOT NULL,
                hlc_logical          INTEGER NOT NULL,
                payload              BLOB    NOT NULL
            ) STRICT""",
            "CREATE UNIQUE INDEX message_sent ON message (peer, seq) WHERE direction = 0",
            "CREATE UNIQUE INDEX message_received ON message (peer, sender_incarnation, seq) WHERE direction = 1",
            // Clock order as InMemoryMessageStore keeps it: the sender (the peer of a received row; the owner, the
            // same for every sent row) before the incarnation, the recipient of a sent row last.
            "CREATE INDEX message_clock ON message (hlc_wall, hlc_logical, id, direction, "
                    + "(CASE direction WHEN 1 THEN peer END), sender_incarnation, seq, peer)",
            "CREATE INDEX message_peer_clock ON message "
                    + "(peer, hlc_wall, hlc_logical, id, direction, sender_incarnation, seq)"));

    /** Version 2: message expiry (NULL: never), and an index of the PENDING backlog alone. */
    private static final Migration V2 = new Migration(2, "expiry and the pending index", List.of(
            "ALTER TABLE message ADD COLUMN expires_at_micros INTEGER",
            "CREATE INDEX message_pending ON message (peer, seq) WHERE direction = 0 AND status = 0"));

    /** Every step, in order: step {@code i} makes version {@code i + 1}. */
    static final List<Migration> MIGRATIONS = List.of(V1, V2);

    /** The version this code reads and writes. */
    static final int CURRENT_VERSION = MIGRATIONS.size();

    private SqliteSchema() {
    }

    /**
     * The schema version of the file behind {@code c}: 0 for an empty database, which becomes a store.
     *
     * @throws StoreException if the file belongs to another application or to a newer Parley
     */
    static int versionOf(Connection c, Path file) throws SQLException {
        int applicationId = pragma(c, "application_id");
        int version = pragma(c, "user_version");
        if (applicationId == 0 && version == 0 && isEmpty(c)) {
            return 0;
        }
        if (applicationId != APPLICATION_ID) {
            throw new StoreException(file + " is not a Parley message store: it is an SQLite database of another"
                    + " application (application id " + applicationId + ")");
        }
        if (version < 1) {
            throw new StoreException(file + " is not a valid Parley message store: it has no schema version");
        }
        if (version > CURRENT_VERSION) {
            throw new StoreException(file + " has schema version " + version + ", made by a newer Parley; this"
                    + " version reads schema versions up to " + CURRENT_VERSION);
        }
        return version;
    }

    /** The tables and indexes a store of each version has, as {@code type name}: nothing else, and no views or triggers. */
    private static final List<Set<String>> OBJECTS = List.of(
            Set.of("table store_meta", "table message", "index message_sent", "index message_received",
                    "index message_clock", "index message_peer_clock"),
            Set.of("table store_meta", "table message", "index message_sent", "index message_received",
                    "index message_clock", "index message_peer_clock", "index message_pending"));

    /**
     * Checks, reading only, that the file behind {@code c}, of schema {@code version} (at least 1), has exactly the
     * tables and indexes of that version (no view, no trigger, nothing that a crafted file could make a query run
     * forever or write with) and passes {@code PRAGMA quick_check}.
     *
     * @throws StoreException with a sentence saying what is wrong
     */
    static void check(Connection c, Path file, int version) throws SQLException {
        Set<String> found = new TreeSet<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                found.add(r.getString(1) + " " + r.getString(2));
            }
        }
        Set<String> expected = OBJECTS.get(version - 1);
        if (!found.equals(expected)) {
            Set<String> extra = new TreeSet<>(found);
            extra.removeAll(expected);
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(found);
            throw new StoreException(file + " is not a valid Parley message store: its schema is not that of version "
                    + version + (extra.isEmpty() ? "" : "; it has " + String.join(", ", extra) + " that a store has not")
                    + (missing.isEmpty() ? "" : "; it lacks " + String.join(", ", missing)));
        }
        List<String> problems = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("PRAGMA quick_check(3)"); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                problems.add(r.getString(1));
            }
        } catch (SQLException e) {
            if (SqliteConnections.isCorrupt(e)) {
                throw new StoreException(file + " is damaged: SQLite's quick check cannot read it (" + e.getMessage()
                        + "); restore it from a copy", e);
            }
            throw e;
        }
        if (!problems.equals(List.of("ok"))) {
            throw new StoreException(file + " is damaged: SQLite's quick check finds " + String.join("; ", problems)
                    + "; restore it from a copy");
        }
    }

    /** Applies the steps after {@code from} up to {@code to}, each in a transaction of its own. */
    static void migrate(Connection c, Path file, int from, int to) throws SQLException {
        for (Migration step : MIGRATIONS.subList(from, to)) {
            run(c, "BEGIN IMMEDIATE");
            try {
                int found = pragma(c, "user_version");
                if (found != step.version() - 1) {
                    throw new StoreException(file + " changed while it was being migrated: schema version " + found
                            + ", expected " + (step.version() - 1));
                }
                for (String statement : step.statements()) {
                    run(c, statement);
                }
                run(c, "PRAGMA user_version = " + step.version());
                run(c, "COMMIT");
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
            if (from > 0) {
                log.info("Migrated message store {} to schema version {}: {}", file, step.version(),
                        step.description());
            }
        }
    }

    /**
     * Records {@code owner} and a new random incarnation in a store that has none, or returns the incarnation of
     * a store that {@code owner} made.
     *
     * @throws StoreException if another node made the store
     */
    static long claim(Connection c, Path file, NodeId owner) throws SQLException {
        run(c, "BEGIN IMMEDIATE");
        try {
            long incarnation;
            try (PreparedStatement select = c.prepareStatement("SELECT owner, incarnation FROM store_meta WHERE id = 1");
                 ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    String stored = row.getString(1);
                    if (!owner.value().equals(stored)) {
                        throw new StoreException("message store " + file + " belongs to node " + stored + ", not "
                                + owner);
                    }
                    incarnation = row.getLong(2);
                } else {
                    incarnation = newIncarnation();
                    try (PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO store_meta (id, owner, incarnation) VALUES (1, ?, ?)")) {
                        insert.setString(1, owner.value());
                        insert.setLong(2, incarnation);
                        insert.executeUpdate();
                    }
                }
            }
            run(c, "COMMIT");
            return incarnation;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            throw e;
        }
    }

    private static long newIncarnation() {
        SecureRandom random = new SecureRandom();
        long value;
        do {
            value = random.nextLong();
        } while (value == 0);
        return value;
    }

    private static boolean isEmpty(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM sqlite_schema");
             ResultSet r = s.executeQuery()) {
            return r.next() && r.getInt(1) == 0;
        }
    }

    static int pragma(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("PRAGMA " + name); ResultSet r = s.executeQuery()) {
            return r.next() ? r.getInt(1) : 0;
        }
    }

    static void run(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.execute();
        }
    }

    static void rollbackQuietly(Connection c, Exception failure) {
        try {
            if (!c.isClosed()) {
                run(c, "ROLLBACK");
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
