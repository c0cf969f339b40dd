package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad command-line arguments, given to the jar: exit code 2, nothing on standard output, and on standard error one
 * line that says what is wrong (no stack trace) and one that says where to read more.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BadArgumentsIT {

    @TempDir
    Path dir;

    static Stream<Arguments> badArguments() {
        return Stream.of(
                Arguments.of(List.of("node", "--id", "n1", "--listen", "127.0.0.1:abc"),
                        "Invalid value for option '--listen': '127.0.0.1:abc' has port 'abc', which is not a number", "node"),
                Arguments.of(List.of("node", "--id", "n1", "--listen", "127.0.0.1:7001", "--peer", "n2127.0.0.1:7002"),
                        "peer 'n2127.0.0.1:7002' must be written ID=HOST:PORT; for example n2=127.0.0.1:7002", "node"),
                Arguments.of(List.of("node", "--id", "n1", "--listen", "127.0.0.1:7001", "--peer", "n2=127.0.0.1:99999"),
                        "port must be between 0 and 65535, got 99999", "node"),
                Arguments.of(List.of("node", "--listen", "127.0.0.1:7001"), "Missing required option: '--id=ID'", "node"),
                Arguments.of(List.of("node", "--id", "n 1", "--listen", "127.0.0.1:7001"),
                        "--id: node id 'n 1' has an invalid character at position 1", "node"),
                Arguments.of(List.of("node", "--id", "n1", "--listen", "127.0.0.1:7001", "--peer", "n1=127.0.0.1:7002"),
                        "--peer n1=127.0.0.1:7002 has this node's own id", "node"),
                Arguments.of(List.of("node", "--id", "n1", "--listen", "127.0.0.1:0", "--clock-offset", "5"),
                        "'5' is not a duration; write it like 250ms, 5s, -3s, 2m or 1h", "node"),
                Arguments.of(List.of("node", "--id", "n1", "--lisen", "127.0.0.1:7001"), "Unknown options: '--lisen'", "node"),
                Arguments.of(List.of("local", "--nodes", "40"), "--nodes must be between 2 and 26, got 40", "local"),
                Arguments.of(List.of("local", "--drain-timeout", "soon"), "'soon' is not a duration", "local"),
                Arguments.of(List.of("local", "--clock-offset", "n9=1s"), "'n9' is not one of the nodes n1..n3", "local"),
                Arguments.of(List.of("history"), "Missing required option: '--db=FILE'", "history"),
                Arguments.of(List.of("history", "--db", "n1.db", "--limit", "0"), "--limit must be between 1 and 100000", "history"),
                Arguments.of(List.of("chat"), "Unmatched argument at index 0: 'chat'", null));
    }

    @ParameterizedTest
    @MethodSource("badArguments")
    void badArgumentsAreOneClearSentenceAndExitCode2(List<String> args, String message, String command) {
        JarProcess p = JarProcess.run(dir, Duration.ofSeconds(20), args.toArray(String[]::new));

        assertThat(p.exitCode()).as("exit code; err: %s", p.err()).isEqualTo(2);
        assertThat(p.out()).isEmpty();
        assertThat(p.err()).isNotEmpty();
        assertThat(p.err().get(0)).startsWith("parley: ").contains(message);
        assertThat(p.err()).last().isEqualTo("Try 'parley" + (command == null ? "" : " " + command) + " --help' for more information.");
        assertThat(p.err()).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
    }
}
