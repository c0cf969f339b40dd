package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted {@code local --nodes 3 --json} session, run from the jar: n1 sends to n2 and n3, n3 broadcasts. Every
 * message is printed as received and as delivered, the program exits 0 once every receipt is in, and
 * {@code history --json} on each node's store shows each message exactly once on each side, with both clocks. n3's
 * clock runs 5 s ahead, so the two clocks of its messages are seen to be the two nodes' own.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LocalScriptIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void scriptedLocalSessionDeliversEveryMessageAndEveryStoreHoldsItOnceWithBothClocks() {
        try (JarProcess local = JarProcess.start("local", dir, "local", "--nodes", "3", "--json", "--data-dir", "data",
                "--drain-timeout", "30s", "--clock-offset", "n3=5s")) {
            local.write(
                    "# n1 writes to each peer, then n3 to everyone",
                    "/use n1",
                    "/send n2 hello n2, from n1",
                    "@n3 hello n3, from n1",
                    "/use n3",
                    "/all hello everyone, from n3");
            local.closeInput();

            assertThat(local.awaitExit(WAIT)).as("exit code; err: %s", local.err()).isZero();

            // (sender, receiver, text) of every message the script sent
            List<List<String>> expected = List.of(
                    List.of("n1", "n2", "hello n2, from n1"),
                    List.of("n1", "n3", "hello n3, from n1"),
                    List.of("n3", "n1", "hello everyone, from n3"),
                    List.of("n3", "n2", "hello everyone, from n3"));
            List<JsonNode> received = local.events("received");
            List<JsonNode> delivered = local.events("delivered");
            assertThat(received).extracting(e -> List.of(e.get("peer").asText(), e.get("node").asText(), e.get("text").asText()))
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(delivered).extracting(e -> List.of(e.get("node").asText(), e.get("peer").asText(), e.get("text").asText()))
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(delivered).allSatisfy(e -> {
                assertThat(e.get("status").asText()).isEqualTo("DELIVERED");
                assertThat(e.get("direction").asText()).isEqualTo("sent");
                assertThat(e.get("rtt_micros").asLong()).isPositive();
                assertThat(micros(e, "receiver_time")).isNotNull();
            });
            // Each delivery carries the id and the clocks the receiver printed for the same message (a broadcast's
            // copies share one id, so a copy is its id and its receiver).
            Map<String, JsonNode> receivedById = received.stream()
                    .collect(Collectors.toMap(e -> e.get("id").asText() + " to " + e.get("node").asText(), e -> e));
            assertThat(delivered).allSatisfy(d -> {
                JsonNode r = receivedById.get(d.get("id").asText() + " to " + d.get("peer").asText());
                assertThat(r).as("received event of %s", d).isNotNull();
                assertThat(r.get("sender_time")).isEqualTo(d.get("sender_time"));
                assertThat(r.get("receiver_time")).isEqualTo(d.get("receiver_time"));
            });
            assertThat(delivered).filteredOn(e -> e.get("text").asText().equals("hello everyone, from n3"))
                    .as("/all sends one message: one id for every peer").hasSize(2)
                    .extracting(e -> e.get("id").asText()).containsOnly(delivered.stream()
                            .filter(e -> e.get("text").asText().equals("hello everyone, from n3")).findFirst()
                            .orElseThrow().get("id").asText());
            assertThat(local.events("drained")).singleElement().satisfies(e -> assertThat(e.get("pending").asLong()).isZero());
            assertThat(local.events("error")).isEmpty();
            assertThat(local.events("failed")).isEmpty();

            Map<String, List<JsonNode>> stores = Map.of(
                    "n1", JarProcess.history(dir, Path.of("data", "n1.db")),
                    "n2", JarProcess.history(dir, Path.of("data", "n2.db")),
                    "n3", JarProcess.history(dir, Path.of("data", "n3.db")));
            for (List<String> m : expected) {
                String from = m.get(0);
                String to = m.get(1);
                String text = m.get(2);
                List<JsonNode> sent = stores.get(from).stream()
                        .filter(r -> r.get("direction").asText().equals("sent") && r.get("peer").asText().equals(to)
                                && r.get("text").asText().equals(text)).toList();
                List<JsonNode> got = stores.get(to).stream()
                        .filter(r -> r.get("direction").asText().equals("received") && r.get("peer").asText().equals(from)
                                && r.get("text").asText().equals(text)).toList();
                assertThat(sent).as("%s's store: sent to %s '%s'", from, to, text).hasSize(1);
                assertThat(got).as("%s's store: received from %s '%s'", to, from, text).hasSize(1);
                JsonNode s = sent.get(0);
                JsonNode r = got.get(0);
                assertThat(s.get("status").asText()).isEqualTo("DELIVERED");
                assertThat(r.get("status").asText()).isEqualTo("RECEIVED");
                assertThat(s.get("id")).isEqualTo(r.get("id"));
                // Both clocks, to the microsecond, the same on both sides.
                assertThat(s.get("sender_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
                assertThat(s.get("receiver_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
                assertThat(r.get("sender_time")).isEqualTo(s.get("sender_time"));
                assertThat(r.get("receiver_time")).isEqualTo(s.get("receiver_time"));
            }
            // n3's clock is 5 s ahead: its messages arrive, by the receivers' clocks, about 5 s before they were sent.
            assertThat(stores.get("n3")).filteredOn(r -> r.get("direction").asText().equals("sent")).hasSize(2)
                    .allSatisfy(r -> assertThat(Duration.between(Instant.parse(r.get("sender_time").asText()),
                            Instant.parse(r.get("receiver_time").asText()))).isBetween(Duration.ofMillis(-5_500), Duration.ofMillis(-4_000)));
            // Nothing else in any store: 2 rows a message, one on each side.
            assertThat(stores.values().stream().mapToInt(List::size).sum()).isEqualTo(2 * expected.size());
            // The log went to a file in the data directory, not to the console.
            assertThat(dir.resolve("data").resolve("local.log")).content().contains("n1: listening on 127.0.0.1:");
            assertThat(local.err()).noneMatch(l -> l.contains("INFO"));
        }
    }

    private static Instant micros(JsonNode e, String field) {
        JsonNode v = e.get(field);
        return v == null || v.isNull() ? null : Instant.parse(v.asText());
    }
}
