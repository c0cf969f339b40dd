package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.store.SqliteMessageStore;
import io.parley.messaging.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full disk for real, where this machine lets a test mount one: n1's SQLite store on a 3 MiB tmpfs that n2
 * fills with messages, then the tmpfs grown to 64 MiB. Skipped, with the reason printed, where it cannot mount
 * (not root, no mount command, a container without the capability); {@link FullDiskTest} makes the same fault
 * through the driver everywhere.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TmpfsFullDiskTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aStoreOnAFullTmpfsRefusesSendsAndWritesAgainOnceItIsGrown() throws Exception {
        Path mount = dir.resolve("tmpfs");
        java.nio.file.Files.createDirectories(mount);
        String why = run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount.toString());
        if (why != null) {
            System.out.println("TmpfsFullDiskTest skipped: cannot mount a tmpfs here (" + why + ")");
            Assumptions.abort("cannot mount a tmpfs: " + why);
        }
        try {
            fillAndGrow(mount);
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private void fillAndGrow(Path mount) throws Exception {
        try (Node n2 = Node.builder().id("n2").build().start();
             Node n1 = Node.builder().id("n1")
                     .store(SqliteMessageStore.builder(mount.resolve("n1.db")).minFreeBytes(0).build())
                     .peer("n2", "127.0.0.1", n2.localAddress().getPort()).build().start()) {
            assertThat(n1.send("n2", new byte[10])).succeedsWithin(WAIT);
            Instant start = Instant.now();
            List<CompletableFuture<Receipt>> toN1 = new ArrayList<>();
            for (int i = 0; i < 1_500 && n1.storeHealth().writable(); i++) {
                toN1.add(n2.send("n1", new byte[4096]));
                if (i % 100 == 0) {
                    n1.send("n2", new byte[4096]);
                }
                Thread.onSpinWait();
            }
            await().atMost(WAIT).until(() -> !n1.storeHealth().writable());
            Instant refusedFrom = n1.storeHealth().since();
            System.out.println("n1 degraded: " + n1.storeHealth().reason());
            assertThat(n1.send("n2", new byte[1])).failsWithin(Duration.ZERO)
                    .withThrowableOfType(ExecutionException.class).havingCause()
                    .isInstanceOf(StoreUnavailableException.class);

            Instant grown = Instant.now();
            assertThat(run("mount", "-o", "remount,size=64m", mount.toString())).isNull();
            await().atMost(WAIT).until(() -> n1.storeHealth().writable());
            Instant resumedAt = n1.storeHealth().since();
            assertThat(CompletableFuture.allOf(toN1.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
            assertThat(n1.send("n2", new byte[1])).succeedsWithin(WAIT);
            System.out.printf("full-disk timeline (3 MiB tmpfs): first send at +0 ms, sends refused from +%d ms"
                    + " (%d messages to n1 by then), tmpfs grown at +%d ms, store writing again at +%d ms (%d ms"
                    + " after), all %d messages to n1 acknowledged%n", Duration.between(start, refusedFrom).toMillis(),
                    toN1.size(), Duration.between(start, grown).toMillis(), Duration.between(start, resumedAt).toMillis(),
                    Duration.between(grown, resumedAt).toMillis(), toN1.size());
        }
    }

    /** Runs a command; null if it succeeded, else why not. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not end";
            }
            return p.exitValue() == 0 ? null : String.join(" ", command) + ": exit " + p.exitValue() + " " + out;
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
