package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 * The console at a terminal (a pseudo-terminal made by {@code script}): a prompt naming the active node, line
 * editing and the history of lines typed, through JLine in the shaded jar; /quit ends input, and Ctrl-C after it stops the
 * wait for receipts and closes gracefully.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TerminalConsoleIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The up arrow as xterm sends it in the application cursor mode JLine turns on. */
    private static final String UP = "\u001bOA";
    private static final String BACKSPACE = "\u007f";
    private static final String CTRL_C = "\u0003";

    @TempDir
    Path dir;

    @Test
    void aPersonAtATerminalGetsAPromptLineEditingAndHistory() {
        assumeTrue(Files.isExecutable(JarProcess.SCRIPT), "util-linux script makes the pseudo-terminal");
        try (JarProcess local = JarProcess.onTerminal("local", dir, "local", "--nodes", "2", "--data-dir", "data")) {
            local.awaitOut(l -> l.contains("Type /help for the commands"), WAIT);

            local.write("@n2 typed at a terminal");
            local.awaitOut(l -> l.contains("[n2] ← n1") && l.contains("typed at a terminal"), WAIT);
            local.awaitOut(l -> l.contains("[n1] ✓ n2") && l.contains("typed at a terminal"), WAIT);

            local.type(UP); // the line typed before, from the history
            local.write("");
            local.awaitOut(l -> l.contains("[n1] ✓ n2") && l.contains("typed at a terminal"), 2, WAIT);

            local.write("/use n2");
            local.type("@n1 hellp" + BACKSPACE + "o");
            local.write("");
            local.awaitOut(l -> l.contains("[n1] ← n2") && l.endsWith("hello"), WAIT);

            local.write("/quit");
            assertThat(local.awaitExit(WAIT)).isZero();
            assertThat(local.out()).filteredOn(l -> l.contains("[n2] ← n1") && l.contains("typed at a terminal")).hasSize(2);
            assertThat(local.out()).anyMatch(l -> l.contains("every message has its receipt"));
            // A line ends on the screen when Enter is pressed: each prompt shows with what was typed after it.
            // (Keys that reach the terminal while JLine is between two lines are echoed by the terminal itself, then
            // JLine redraws the line it read, so the screen may show either "hellp", erased, or "hello".)
            assertThat(local.out()).anyMatch(l -> l.contains("n1> @n2 typed at a terminal"))
                    .anyMatch(l -> l.contains("n2> @n1 hell"));
        }
    }

    @Test
    void ctrlCWhileWaitingForReceiptsClosesTheNodeGracefullyWithExitCode130() throws IOException {
        assumeTrue(Files.isExecutable(JarProcess.SCRIPT), "util-linux script makes the pseudo-terminal");
        int port;
        try (ServerSocket closedSoon = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closedSoon.getLocalPort(); // nothing listens there once it is closed
        }
        try (JarProcess node = JarProcess.onTerminal("n1", dir, "node", "--id", "n1", "--listen", "127.0.0.1:0",
                "--peer", "n2=127.0.0.1:" + port, "--db", "n1.db")) {
            node.awaitOut(l -> l.contains("Type /help for the commands"), WAIT);
            node.write("@n2 anyone there?");
            node.awaitOut(l -> l.contains("[n1] queued for n2, which is DOWN; it will be delivered when n2 returns"), WAIT);
            // A line, not Ctrl-D: a key typed before JLine has the terminal in raw mode is the tty's to handle, and a
            // Ctrl-D the tty takes is no key for JLine.
            node.write("/quit");
            node.awaitOut(l -> l.contains("waiting up to 60s for the receipts of 1 pending messages"), WAIT);
            node.type(CTRL_C);

            assertThat(node.awaitExit(WAIT)).isEqualTo(130);
            assertThat(node.out()).anyMatch(l -> l.contains("signal received: closing n1 gracefully"));
            assertThat(dir.resolve("n1.log")).content().contains("n1: closed");
        }
    }
}
