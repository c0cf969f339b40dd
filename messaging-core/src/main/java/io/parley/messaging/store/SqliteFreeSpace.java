package io.parley.messaging.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToLongFunction;

/**
 * The free-space floor of a store: a batch is refused with {@link StoreUnavailableException} before it starts when
 * the file system of the store file has less space left than the floor, so that the node stops taking work while
 * SQLite can still write its log and checkpoint, rather than meeting {@code ENOSPC} in the middle of a commit.
 * Asking the file system costs one {@code statvfs} call per batch.
 *
 * <p>Immutable; called on the store thread.
 */
final class SqliteFreeSpace {

    private final Path file;
    private final long floorBytes;
    private final ToLongFunction<Path> usableBytes;

    /** @param usableBytes the space left to this process on the file system of a path; a test may stand in */
    SqliteFreeSpace(Path file, long floorBytes, ToLongFunction<Path> usableBytes) {
        this.file = file;
        this.floorBytes = floorBytes;
        this.usableBytes = usableBytes;
    }

    /** The usable space of the file system holding {@code path}, or {@link Long#MAX_VALUE} if it cannot be told. */
    static long usable(Path path) {
        try {
            return Files.getFileStore(path).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE; // not known: SQLite's own errors tell if the disk is full
        }
    }

    /** @throws StoreUnavailableException if less than the floor is left */
    void check() {
        if (floorBytes <= 0) {
            return;
        }
        long left = usableBytes.applyAsLong(file.getParent());
        if (left < floorBytes) {
            throw new StoreUnavailableException("the file system of message store " + file + " has " + left
                    + " bytes free, below the store's floor of " + floorBytes + " bytes; free some space");
        }
    }
}
