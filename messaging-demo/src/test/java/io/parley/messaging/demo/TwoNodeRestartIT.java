package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code node} processes talking through {@code --peer}, each on its own SQLite store, driven by scripts on
 * their standard input, one of them killed and started again on its store.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TwoNodeRestartIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void fiveThousandScriptedSendsArriveOnceEachThoughTheReceiverIsKilledAndRestartedDuringTheStream() {
        try (JarProcess receiver = receiver("receiver", 0)) {
            int port = port(receiver);
            try (JarProcess sender = JarProcess.start("sender", dir, "node", "--id", "s", "--listen", "127.0.0.1:0",
                    "--peer", "r=127.0.0.1:" + port, "--db", "s.db", "--json", "--drain-timeout", "90s")) {
                sender.write(sends(1, 2_000));
                receiver.awaitEvents("received", 500, WAIT);

                receiver.kill(); // SIGKILL, mid-stream: what it stored is in its file, nothing else
                sender.write(sends(2_001, 3_500));
                try (JarProcess restarted = receiver("restarted receiver", port)) {
                    sender.write(sends(3_501, 5_000));
                    sender.closeInput();

                    assertThat(sender.awaitExit(Duration.ofSeconds(100))).as("sender exit; err: %s", sender.err()).isZero();
                    assertThat(sender.events("drained")).singleElement()
                            .satisfies(e -> assertThat(e.get("pending").asLong()).isZero());
                    assertThat(sender.events("failed")).isEmpty();
                    restarted.closeInput();
                    assertThat(restarted.awaitExit(WAIT)).as("receiver exit; err: %s", restarted.err()).isZero();
                }
            }
        }

        Set<String> expected = IntStream.rangeClosed(1, 5_000).mapToObj(i -> "m" + i).collect(Collectors.toSet());
        List<JsonNode> sent = JarProcess.history(dir, Path.of("s.db"));
        List<JsonNode> received = JarProcess.history(dir, Path.of("r.db"));
        assertThat(sent).hasSize(5_000).allSatisfy(row -> {
            assertThat(row.get("direction").asText()).isEqualTo("sent");
            assertThat(row.get("peer").asText()).isEqualTo("r");
            assertThat(row.get("status").asText()).isEqualTo("DELIVERED");
            assertThat(row.get("receiver_time").isNull()).isFalse();
        });
        assertThat(received).hasSize(5_000).allSatisfy(row -> {
            assertThat(row.get("direction").asText()).isEqualTo("received");
            assertThat(row.get("peer").asText()).isEqualTo("s");
            assertThat(row.get("status").asText()).isEqualTo("RECEIVED");
        });
        assertThat(texts(sent)).isEqualTo(expected);
        assertThat(texts(received)).isEqualTo(expected);
        assertThat(sent.stream().map(r -> r.get("id").asText()).collect(Collectors.toSet()))
                .isEqualTo(received.stream().map(r -> r.get("id").asText()).collect(Collectors.toSet()));
    }

    @Test
    void aRunThatEndsWithMessagesPendingExitsWithTheirCountAndTheNextRunOnTheStoreDeliversThem() {
        int port;
        try (JarProcess receiver = receiver("receiver", 0)) {
            port = port(receiver);
            receiver.closeInput();
            assertThat(receiver.awaitExit(WAIT)).isZero();
        }
        // The receiver is gone: the sender's 200 messages wait in its store until the drain gives up.
        try (JarProcess sender = JarProcess.start("sender", dir, "node", "--id", "s", "--listen", "127.0.0.1:0",
                "--peer", "r=127.0.0.1:" + port, "--db", "s.db", "--json", "--drain-timeout", "1s")) {
            sender.write(sends(1, 200));
            sender.closeInput();
            assertThat(sender.awaitExit(WAIT)).isEqualTo(1);
            assertThat(sender.events("drained")).singleElement()
                    .satisfies(e -> assertThat(e.get("pending").asLong()).isEqualTo(200));
            assertThat(sender.err()).anyMatch(l -> l.contains("200 pending messages"));
        }
        assertThat(JarProcess.history(dir, Path.of("s.db"))).hasSize(200)
                .allSatisfy(row -> assertThat(row.get("status").asText()).isEqualTo("PENDING"));

        // Both run again, the sender on its store with nothing to read: it sends what it had not delivered.
        try (JarProcess receiver = receiver("receiver again", port);
             JarProcess sender = JarProcess.start("sender again", dir, "node", "--id", "s", "--listen", "127.0.0.1:0",
                     "--peer", "r=127.0.0.1:" + port, "--db", "s.db", "--json", "--drain-timeout", "60s")) {
            sender.closeInput();
            assertThat(sender.awaitExit(WAIT)).as("err: %s", sender.err()).isZero();
            assertThat(sender.events("drained")).singleElement()
                    .satisfies(e -> assertThat(e.get("pending").asLong()).isZero());
            receiver.awaitEvents("received", 200, WAIT);
            receiver.closeInput();
            assertThat(receiver.awaitExit(WAIT)).isZero();
        }
        Set<String> expected = IntStream.rangeClosed(1, 200).mapToObj(i -> "m" + i).collect(Collectors.toSet());
        List<JsonNode> sent = JarProcess.history(dir, Path.of("s.db"));
        List<JsonNode> received = JarProcess.history(dir, Path.of("r.db"));
        assertThat(sent).hasSize(200).allSatisfy(row -> assertThat(row.get("status").asText()).isEqualTo("DELIVERED"));
        assertThat(received).hasSize(200);
        assertThat(texts(received)).isEqualTo(expected);
    }

    /** The receiver node r on its store r.db, listening on {@code port} (0: any), reading commands from the test. */
    private JarProcess receiver(String name, int port) {
        JarProcess r = JarProcess.start(name, dir, "node", "--id", "r", "--listen", "127.0.0.1:" + port, "--db", "r.db",
                "--json");
        r.awaitEvent(e -> e.path("event").asText().equals("listening"), WAIT);
        return r;
    }

    private static int port(JarProcess node) {
        String address = node.awaitEvent(e -> e.path("event").asText().equals("listening"), WAIT).get("address").asText();
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static Stream<String> sends(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "/send r m" + i);
    }

    private static Set<String> texts(List<JsonNode> rows) {
        List<String> texts = rows.stream().map(r -> r.get("text").asText()).toList();
        assertThat(texts).doesNotHaveDuplicates();
        return Set.copyOf(texts);
    }
}
