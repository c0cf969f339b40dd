package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local} at a terminal (a pseudo-terminal made by {@code script}): a prompt naming the active node, line
 * editing and the history of lines typed, through JLine in the shaded jar.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TerminalConsoleIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The up arrow as xterm sends it in the application cursor mode JLine turns on. */
    private static final String UP = "\u001bOA";
    private static final String BACKSPACE = "\u007f";

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
            assertThat(local.out()).anyMatch(l -> l.contains("n1> @n2 typed at a terminal"))
                    .anyMatch(l -> l.contains("n2> @n1 hellp")); // then erased and retyped: hello arrived
        }
    }
}
