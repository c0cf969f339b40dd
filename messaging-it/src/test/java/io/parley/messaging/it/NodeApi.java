package io.parley.messaging.it;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One node's HTTP API, as a script would use it, with its bearer token: {@code POST /messages}, {@code GET /messages},
 * {@code GET /peers}.
 */
final class NodeApi {

    /** A row of {@code GET /messages}: a message as this node stored it. */
    record Row(String id, String direction, String peer, String status, Instant senderTime, Instant receiverTime,
               String text) {

        static Row of(JsonNode j) {
            return new Row(j.get("id").asText(), j.get("direction").asText(), j.get("peer").asText(),
                    j.get("status").asText(), instant(j.get("sender_time")), instant(j.get("receiver_time")),
                    j.get("text").asText());
        }

        private static Instant instant(JsonNode n) {
            return n == null || n.isNull() ? null : Instant.parse(n.asText());
        }
    }

    /** A row of {@code GET /peers}. */
    record Peer(String id, String state, long clockOffsetMicros, long rttMicros) {

        static Peer of(JsonNode j) {
            return new Peer(j.get("id").asText(), j.get("state").asText(), j.get("clock_offset_micros").asLong(),
                    j.get("rtt_micros").asLong());
        }
    }

    /** The most rows one {@code GET /messages} returns (HistoryQuery.MAX_LIMIT). */
    static final int MAX_LIMIT = 100_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int MAX_ATTEMPTS = 3;
    /** How long a message whose 202 was lost may take to show in its sender's store (it is committed within ms). */
    private static final Duration LOST_ANSWER_WAIT = Duration.ofSeconds(5);

    private final String node;
    private final Supplier<URI> base;
    private final String token;

    /**
     * @param base where the API is now; asked again for every request, as it moves when its container restarts
     * @param token the API's bearer token
     */
    NodeApi(String node, Supplier<URI> base, String token) {
        this.node = node;
        this.base = base;
        this.token = token;
    }

    /**
     * {@code POST /messages}: sends {@code text} to {@code to}; returns the message's id. {@code text} must be unique:
     * when the answer is lost (the connection failed: seen with a busy host, between the JDK's client and Docker's
     * port proxy), the store tells whether the node took the message, and it is posted again only if not.
     */
    String send(String to, String text) {
        JsonNode body = JSON.createObjectNode().put("to", to).put("text", text);
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r;
            try {
                r = request(HttpRequest.newBuilder(uri("/messages")).POST(HttpRequest.BodyPublishers.ofString(body.toString())));
            } catch (UncheckedIOException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                String id = idOf(to, text);
                System.err.printf("[messaging-it] POST %s/messages %s: no answer (%s); the node %s%n", node, text,
                        e.getCause(), id == null ? "does not have it: posting again" : "has it");
                if (id != null) {
                    return id;
                }
                continue;
            }
            assertThat(r.statusCode()).as("POST %s/messages to %s: %s", node, to, r.body()).isEqualTo(202);
            return parse(r.body()).get("id").asText();
        }
    }

    /** The id of the message with {@code text} to {@code to} once the node has stored it, or null if it has not. */
    private String idOf(String to, String text) {
        try {
            return await().atMost(LOST_ANSWER_WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> messages(to).stream().filter(m -> m.text().equals(text)).map(Row::id).findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
        } catch (ConditionTimeoutException e) {
            return null;
        }
    }

    /** {@code GET /messages?peer=PEER&limit=100000}: every message exchanged with {@code peer}, oldest first. */
    List<Row> messages(String peer) {
        JsonNode rows = get("/messages?limit=" + MAX_LIMIT + "&peer=" + URLEncoder.encode(peer, StandardCharsets.UTF_8));
        List<Row> out = new ArrayList<>(rows.size());
        rows.forEach(j -> out.add(Row.of(j)));
        return out;
    }

    /** {@code GET /peers}. */
    List<Peer> peers() {
        List<Peer> out = new ArrayList<>();
        get("/peers").forEach(j -> out.add(Peer.of(j)));
        return out;
    }

    /** {@code GET /peers}, the row of {@code peer}. */
    Peer peer(String peer) {
        return peers().stream().filter(p -> p.id().equals(peer)).findFirst()
                .orElseThrow(() -> new AssertionError(node + " does not know " + peer));
    }

    /** {@code GET /health}. */
    JsonNode health() {
        return get("/health");
    }

    private JsonNode get(String pathAndQuery) {
        HttpResponse<String> r = request(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
        assertThat(r.statusCode()).as("GET %s%s: %s", node, pathAndQuery, r.body()).isEqualTo(200);
        return parse(r.body());
    }

    private URI uri(String pathAndQuery) {
        return base.get().resolve(pathAndQuery);
    }

    private HttpResponse<String> request(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(TIMEOUT).header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(node + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
