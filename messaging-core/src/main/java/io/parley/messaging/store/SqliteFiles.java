package io.parley.messaging.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The files of a store besides SQLite's own work: made readable and writable by their owner only, and the lock
 * file that keeps a second store off a file that is open.
 */
final class SqliteFiles {

    /** {@code rw-------}. */
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SqliteFiles() {
    }

    /** The lock file beside {@code file}, named as SQLite names its companions ({@code -wal}, {@code -shm}). */
    static Path lockFile(Path file) {
        return file.resolveSibling(file.getFileName() + "-lock");
    }

    /**
     * Creates {@code file}, empty and {@code rw-------} where the file system has POSIX permissions, unless it
     * exists. SQLite gives its {@code -wal} and {@code -shm} files the permissions of the database file.
     */
    static void createIfAbsent(Path file) {
        try {
            Files.createFile(file, ownerOnly(file));
        } catch (FileAlreadyExistsException e) {
            // an existing store keeps the permissions it has
        } catch (NoSuchFileException e) {
            throw new StoreException("cannot create message store " + file + ": its directory does not exist", e);
        } catch (IOException e) {
            throw new StoreException("cannot create message store " + file + ": " + e, e);
        }
    }

    /**
     * Takes the lock file of {@code file}, made {@code rw-------} if it is new. The lock is the operating system's,
     * so it is let go when the process ends, however it ends; the file itself stays.
     *
     * @throws StoreException if another store, in this process or another, holds it
     */
    static FileLock lock(Path file) {
        Path lockFile = lockFile(file);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    ownerOnly(lockFile));
        } catch (NoSuchFileException e) {
            throw new StoreException("cannot create message store " + file + ": its directory does not exist", e);
        } catch (IOException e) {
            throw new StoreException("cannot open the lock file " + lockFile + " of message store " + file + ": " + e, e);
        }
        FileLock lock = null;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // held by another store in this process
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new StoreException("cannot lock message store " + file + ": " + e, e);
        }
        if (lock == null) {
            closeQuietly(channel, null);
            throw new StoreException("message store " + file + " is already open: another store holds its lock file "
                    + lockFile);
        }
        return lock;
    }

    /** Lets go of a lock from {@link #lock} and closes its file. */
    static void release(FileLock lock) {
        try {
            lock.channel().close(); // also releases the lock
        } catch (IOException e) {
            throw new StoreException("cannot close the lock file of a message store: " + e, e);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
    }

    private static void closeQuietly(FileChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }
}
