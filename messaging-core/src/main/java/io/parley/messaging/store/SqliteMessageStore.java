package io.parley.messaging.store;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * A durable {@link MessageStore}: one SQLite file per node. Needs {@code org.xerial:sqlite-jdbc} on the class
 * path, an optional dependency of Parley that an application using this store declares itself.
 *
 * <pre>{@code
 * MessageStore store = SqliteMessageStore.builder(Path.of("parley-data", "node-a.db")).build();
 * Node node = Node.builder().id("node-a").store(store).build();
 * }</pre>
 *
 * <h2>Durability</h2>
 * The file is in WAL mode, and each {@link #apply} is one transaction: a batch is committed whole, with one
 * sync of the write-ahead log, or not at all. With {@link Synchronous#FULL}, the default, a commit returns once
 * the log is on the disk, so a message the node has acknowledged or reported stored survives a power loss.
 * {@link Synchronous#NORMAL} leaves the sync to the checkpoints: a commit survives the process crashing or
 * being killed, but the last commits before a power loss or an operating-system crash may be lost, and with
 * them messages already acknowledged to their senders. It commits much faster where a sync is slow.
 *
 * <h2>Files</h2>
 * Besides the file itself, SQLite keeps {@code <file>-wal} and {@code <file>-shm} beside it while it is open,
 * and this store keeps {@code <file>-lock}: a second store that opens the file while one has it open, in this
 * process or another, is refused. The lock is the operating system's and goes with the process that held it.
 * Other programs may still read the file, for instance with the {@code sqlite3} shell. A new file, and the lock
 * file, are made readable and writable by their owner only ({@code rw-------}) where the file system has POSIX
 * permissions; SQLite gives its {@code -wal} and {@code -shm} files the same. An existing file keeps its
 * permissions. The directory must exist.
 *
 * <h2>Opening</h2>
 * {@link #open} on a new (or empty) file records the owner and a random, non-zero incarnation; on a store file
 * it returns the incarnation recorded there, and it refuses a file that another node made, a file that is not a
 * Parley store, and a store made by a newer Parley. A store made by an older Parley is migrated: its schema
 * version is kept in {@code PRAGMA user_version}, and each step from there to the current version runs in a
 * transaction of its own. A store that was closed may be opened again.
 *
 * <h2>Schema (version 2)</h2>
 * <ul>
 *   <li>{@code store_meta}: one row, the owner's node id and the incarnation.</li>
 *   <li>{@code message}: one row per message: {@code id} (16 bytes), {@code direction} (0 sent, 1 received),
 *       {@code peer} (the recipient of a sent message, the sender of a received one; the other end is the
 *       owner), {@code sender_incarnation}, {@code seq}, {@code status}, {@code sender_time_micros},
 *       {@code receiver_time_micros} (NULL while unknown), {@code hlc_wall}, {@code hlc_logical},
 *       {@code expires_at_micros} (NULL: never) and {@code payload}.</li>
 *   <li>Indexes: sent messages unique by (peer, seq); received ones unique by (peer, sender_incarnation, seq);
 *       the PENDING ones by (peer, seq), a partial index that holds only the backlog; and two in clock order,
 *       one over all messages and one per peer, so that every {@link HistoryQuery} reads its page in index
 *       order, without sorting, in the same order as {@link InMemoryMessageStore}.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * {@link #apply}, {@link #receivedWatermark}, {@link #received}, {@link #pending} and {@link #outboxes} share
 * one read-write connection and are serialized; the node calls them from its store thread. {@link #history}
 * may be called from any thread, also while a batch is applied: it reads on read-only connections of its own
 * and sees every batch committed before it whole and nothing of one still being committed. {@link #close}
 * waits for running calls, then closes every connection; every method but {@link #open} then throws
 * {@link StoreException}.
 */
public final class SqliteMessageStore implements MessageStore {

    /** How far a commit goes before {@link #apply} returns: see the class description. */
    public enum Synchronous {
        /** Every commit is synced to the disk: an acknowledged message survives a power loss. The default. */
        FULL,
        /**
         * Commits are synced at checkpoints only: an acknowledged message survives the process crashing, but the
         * last commits before a power loss or an operating-system crash may be lost.
         */
        NORMAL
    }

    /** The sync mode when none is set: {@link Synchronous#FULL}. */
    public static final Synchronous DEFAULT_SYNCHRONOUS = Synchronous.FULL;

    /**
     * The free-space floor when none is set: 32 MiB, the most the write-ahead log grows to before it is copied back
     * into the file at 4 KiB pages.
     */
    public static final long DEFAULT_MIN_FREE_BYTES = 32L * 1024 * 1024;

    private final Path file;
    private final Synchronous synchronous;
    private final long minFreeBytes;
    private final SqliteFreeSpace space;
    private final UnaryOperator<Connection> wrapWriter;
    /** Serializes the store thread's calls, {@link #open} and {@link #close}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Shared by history queries; {@link #close} takes it exclusively, so it never pulls a connection from one. */
    private final ReentrantReadWriteLock readers = new ReentrantReadWriteLock();
    // Which file is open: set by open and close, under lock; read by the store thread's calls under lock and by
    // history under readers. The open file's writer and its reads are the store thread's, see SqliteOpened.
    private volatile SqliteOpened opened;
    private volatile boolean closed;

    private SqliteMessageStore(Builder builder) {
        this.file = builder.file;
        this.synchronous = builder.synchronous;
        this.minFreeBytes = builder.minFreeBytes;
        this.space = new SqliteFreeSpace(file, minFreeBytes, builder.usableBytes);
        this.wrapWriter = builder.wrapWriter;
    }

    /**
     * A builder for a store kept in {@code file}; nothing is opened or created before {@link #open}.
     *
     * @param file the store file; its directory must exist when the store is opened
     */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** The store file, as an absolute path. */
    public Path file() {
        return file;
    }

    /** How far each commit goes before {@link #apply} returns. */
    public Synchronous synchronous() {
        return synchronous;
    }

    /** The free space below which the store refuses to write; 0 for no floor. */
    public long minFreeBytes() {
        return minFreeBytes;
    }

    /**
     * Opens the file for {@code owner}, creating it if it does not exist, and returns the incarnation recorded
     * in it. Opening a store that is open returns its incarnation if {@code owner} is its owner.
     *
     * @throws StoreException if another node made the file, if it is not a Parley store or comes from a newer
     *     Parley, if another store has it open, or if it cannot be created or read
     */
    @Override
    public long open(NodeId owner) {
        Objects.requireNonNull(owner, "owner");
        lock.lock();
        try {
            SqliteOpened current = opened;
            if (current != null) {
                if (!current.owner().equals(owner)) {
                    throw new StoreException("message store " + file + " belongs to node " + current.owner() + ", not "
                            + owner);
                }
                return current.incarnation();
            }
            if (!SqliteConnections.driverPresent()) {
                throw new StoreException("SqliteMessageStore needs org.xerial:sqlite-jdbc on the class path");
            }
            opened = SqliteOpened.open(file, synchronous, owner, space, wrapWriter);
            closed = false;
            return opened.incarnation();
        } finally {
            lock.unlock();
        }
    }

    /** {@code true}: what {@link #apply} committed is in the file. */
    @Override
    public boolean isDurable() {
        return true;
    }

    @Override
    public WriteResult apply(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        lock.lock();
        try {
            return writer().apply(batch);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long receivedWatermark(NodeId sender, long senderIncarnation) {
        Objects.requireNonNull(sender, "sender");
        lock.lock();
        try {
            return reads().receivedWatermark(sender, senderIncarnation);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Message> received(NodeId sender, long senderIncarnation, long afterSequence, int limit) {
        Objects.requireNonNull(sender, "sender");
        lock.lock();
        try {
            return reads().received(sender, senderIncarnation, afterSequence, limit);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Outbox> outboxes() {
        lock.lock();
        try {
            return reads().outboxes();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Message> pending(NodeId recipient, long afterSequence, int limit) {
        return pending(recipient, afterSequence, limit, Long.MAX_VALUE);
    }

    @Override
    public List<Message> pending(NodeId recipient, long afterSequence, int limit, long maxBytes) {
        Objects.requireNonNull(recipient, "recipient");
        lock.lock();
        try {
            return reads().pending(recipient, afterSequence, limit, maxBytes);
        } finally {
            lock.unlock();
        }
    }

    /** Runs on a read-only connection of its own: any thread may call it, also while a batch is applied. */
    @Override
    public List<Message> history(HistoryQuery query) {
        Objects.requireNonNull(query, "query");
        readers.readLock().lock();
        try {
            return checkOpen().history().history(query);
        } finally {
            readers.readLock().unlock();
        }
    }

    /**
     * Waits for running calls, then closes the connections and lets go of the lock file. Everything applied is
     * already committed. Closing a closed store does nothing; {@link #open} opens it again.
     */
    @Override
    public void close() {
        lock.lock();
        readers.writeLock().lock();
        try {
            SqliteOpened current = opened;
            if (current == null) {
                return;
            }
            opened = null;
            closed = true;
            current.close();
        } finally {
            readers.writeLock().unlock();
            lock.unlock();
        }
    }

    /** Caller holds {@link #lock}. */
    private SqliteWriter writer() {
        return checkOpen().writer();
    }

    /** Caller holds {@link #lock}. */
    private SqliteReads reads() {
        return checkOpen().writer().reads();
    }

    private SqliteOpened checkOpen() {
        SqliteOpened current = opened;
        if (current == null) {
            throw new StoreException("message store " + file + (closed ? " is closed" : " is not open"));
        }
        return current;
    }

    @Override
    public String toString() {
        return "SqliteMessageStore[" + file + ", " + (opened != null ? "open" : closed ? "closed" : "not open") + "]";
    }

    /** Builds a {@link SqliteMessageStore}; get one with {@link SqliteMessageStore#builder(Path)}. */
    public static final class Builder {
        private final Path file;
        private Synchronous synchronous = DEFAULT_SYNCHRONOUS;
        private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;
        private ToLongFunction<Path> usableBytes = SqliteFreeSpace::usable;
        private UnaryOperator<Connection> wrapWriter = UnaryOperator.identity();

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        }

        /**
         * How far each commit goes before {@link SqliteMessageStore#apply} returns; default
         * {@link Synchronous#FULL}. {@link Synchronous#NORMAL} is faster where syncs are slow, and may lose the
         * last commits, acknowledged messages among them, to a power loss.
         */
        public Builder synchronous(Synchronous synchronous) {
            this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
            return this;
        }

        /**
         * The free space the file system of the store must keep (default {@link #DEFAULT_MIN_FREE_BYTES}; 0 for
         * none). With less, every write fails with {@link StoreUnavailableException} before it starts, so the node
         * refuses sends and stops reading from its peers before SQLite meets a full disk; it writes again as soon
         * as there is space. A full disk is survived without a floor too, the same way.
         *
         * @throws IllegalArgumentException if {@code bytes} is negative
         */
        public Builder minFreeBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("minFreeBytes must not be negative, got " + bytes);
            }
            this.minFreeBytes = bytes;
            return this;
        }

        /** For tests: where the free space is read from, instead of the file system. */
        Builder usableBytes(ToLongFunction<Path> usableBytes) {
            this.usableBytes = Objects.requireNonNull(usableBytes, "usableBytes");
            return this;
        }

        /** For tests: every read-write connection the store opens goes through {@code wrap} (faults, counting). */
        Builder wrapWriterConnections(UnaryOperator<Connection> wrap) {
            this.wrapWriter = Objects.requireNonNull(wrap, "wrap");
            return this;
        }

        /** The store, not yet opened. */
        public SqliteMessageStore build() {
            return new SqliteMessageStore(this);
        }
    }
}
