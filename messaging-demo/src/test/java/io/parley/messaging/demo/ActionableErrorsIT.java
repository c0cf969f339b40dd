package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors a person can act on, from the jar: each is one sentence, with no stack trace unless {@code --verbose}; where
 * the program cannot go on it exits 1, and where it can (a peer unreachable at start) it goes on trying.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ActionableErrorsIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aPortInUseIsNamedAndExits1() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            JarProcess p = JarProcess.run(dir, WAIT, "node", "--id", "n1", "--listen", "127.0.0.1:" + port);

            assertThat(p.exitCode()).isEqualTo(1);
            assertThat(p.err()).containsExactly("parley: node n1 cannot start: cannot listen on 127.0.0.1:" + port
                    + ": Address already in use");
        }
    }

    @Test
    void anHttpPortInUseIsNamedAndExits1() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            JarProcess p = JarProcess.run(dir, WAIT, "node", "--id", "n1", "--listen", "127.0.0.1:0", "--http",
                    "127.0.0.1:" + port);

            assertThat(p.exitCode()).isEqualTo(1);
            assertThat(p.err()).singleElement().asString().startsWith("parley: cannot serve HTTP on 127.0.0.1:" + port)
                    .contains("Address already in use");
        }
    }

    @Test
    void aFileThatIsNotAStoreIsRefusedByNodeAndHistory() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.db"), "shopping: milk, eggs\n".repeat(100));

        JarProcess node = JarProcess.run(dir, WAIT, "node", "--id", "n1", "--listen", "127.0.0.1:0", "--db", "notes.db");
        assertThat(node.exitCode()).isEqualTo(1);
        assertThat(node.err()).containsExactly("parley: node n1 cannot start: " + notes.toRealPath()
                + " is not a Parley message store: it is not an SQLite database");

        JarProcess history = JarProcess.run(dir, WAIT, "history", "--db", "notes.db");
        assertThat(history.exitCode()).isEqualTo(1);
        assertThat(history.err()).containsExactly("parley: " + notes.toRealPath()
                + " is not a Parley message store: it is not an SQLite database");
        assertThat(Files.readString(notes)).startsWith("shopping"); // untouched
    }

    @Test
    void anotherNodesStoreIsRefusedNamingItsOwner() {
        JarProcess first = JarProcess.run(dir, WAIT, "node", "--id", "n1", "--listen", "127.0.0.1:0", "--db", "n1.db");
        assertThat(first.exitCode()).isZero();

        JarProcess second = JarProcess.run(dir, WAIT, "node", "--id", "n2", "--listen", "127.0.0.1:0", "--db", "n1.db");
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.err()).singleElement().asString().endsWith("n1.db belongs to node n1, not n2");
    }

    @Test
    void aMissingStoreIsNamedByHistoryAndVerboseAddsTheStackTrace() {
        JarProcess plain = JarProcess.run(dir, WAIT, "history", "--db", "gone.db");
        assertThat(plain.exitCode()).isEqualTo(1);
        assertThat(plain.err()).singleElement().asString().startsWith("parley: message store ").endsWith("gone.db does not exist");

        JarProcess verbose = JarProcess.run(dir, WAIT, "history", "--db", "gone.db", "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.err().get(0)).isEqualTo(plain.err().get(0));
        assertThat(verbose.err()).anyMatch(l -> l.startsWith("\tat io.parley.messaging."));
    }

    @Test
    void aPeerUnreachableAtStartIsSaidOnceAndTheNodeKeepsRunningAndTrying() throws IOException {
        int port;
        try (ServerSocket closedSoon = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closedSoon.getLocalPort(); // nothing listens there once it is closed
        }
        try (JarProcess p = JarProcess.start("n1", dir, "node", "--id", "n1", "--listen", "127.0.0.1:0", "--peer",
                "n2=127.0.0.1:" + port)) {
            String down = p.awaitOut(l -> l.contains("peer n2 DOWN"), WAIT);
            assertThat(down).isEqualTo("[n1] peer n2 DOWN at 127.0.0.1:" + port + ": cannot connect to n2 at 127.0.0.1:"
                    + port + ": Connection refused: /127.0.0.1:" + port + "; retrying in the background");

            // Still running: it takes commands. A message to the absent peer waits in the store.
            p.write("/peers");
            p.awaitOut(l -> l.startsWith("n2 ") && l.contains("DOWN"), WAIT);
            p.write("/send zed hello?");
            p.awaitOut(l -> l.contains("unknown peer 'zed'; this node knows n2"), WAIT);
            p.closeInput();
            assertThat(p.awaitExit(WAIT)).as("a command failed").isEqualTo(1);
            assertThat(p.out()).filteredOn(l -> l.contains("peer n2 DOWN")).hasSize(1);
            assertThat(p.out()).contains("1 command failed");
        }
    }
}
