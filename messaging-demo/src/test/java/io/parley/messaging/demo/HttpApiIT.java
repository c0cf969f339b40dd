package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.messaging.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API of the jar, run as headless {@code node} processes (one node at the root) and as {@code local} (every
 * node under {@code /nodes/{id}}): send, status, peers, metrics, each bad request, and a graceful stop on SIGTERM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpApiIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Each API's bearer token, by base URL. */
    private static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    /** An answer: status and body. */
    record Answer(int status, String body, HttpResponse<String> response) {
        JsonNode json() {
            return JarProcess.parse(body);
        }
    }

    @Test
    void headlessNodesSendReportStatusPeersAndMetricsAndRefuseBadRequestsWithAReason() {
        try (JarProcess a = headless("a", "--listen", "127.0.0.1:0");
             JarProcess b = headless("b", "--listen", "127.0.0.1:0", "--peer", "a=" + address(a))) {
            String apiA = http(a);
            String apiB = http(b);
            await().atMost(WAIT).untilAsserted(() -> assertThat(get(apiA + "/peers").json())
                    .anySatisfy(p -> assertThat(p.get("state").asText()).isEqualTo("UP")));

            Answer health = get(apiA + "/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().get("status").asText()).isEqualTo("UP");
            assertThat(health.json().get("node").asText()).isEqualTo("a");
            assertThat(health.json().get("store").get("writable").asBoolean()).isTrue();

            // send: 202 with the id, then the row by id, DELIVERED with both clocks once the receipt is in
            Answer accepted = post(apiA + "/messages", "{\"to\":\"b\",\"text\":\"hi b\"}");
            assertThat(accepted.status()).isEqualTo(202);
            String id = accepted.json().get("id").asText();
            assertThat(accepted.response().headers().firstValue("Location")).hasValue("messages/" + id);
            await().atMost(WAIT).untilAsserted(() -> {
                Answer row = get(apiA + "/messages/" + id);
                assertThat(row.status()).isEqualTo(200);
                assertThat(row.json().get("status").asText()).isEqualTo("DELIVERED");
            });
            JsonNode sent = get(apiA + "/messages/" + id).json();
            assertThat(sent.get("direction").asText()).isEqualTo("sent");
            assertThat(sent.get("peer").asText()).isEqualTo("b");
            assertThat(sent.get("text").asText()).isEqualTo("hi b");
            assertThat(sent.get("sender_time").asText()).endsWith("Z");
            assertThat(sent.get("receiver_time").asText()).endsWith("Z");
            JsonNode got = get(apiB + "/messages/" + id).json();
            assertThat(got.get("direction").asText()).isEqualTo("received");
            assertThat(got.get("status").asText()).isEqualTo("RECEIVED");
            assertThat(got.get("receiver_time")).isEqualTo(sent.get("receiver_time"));
            assertThat(get(apiB + "/messages?peer=a&limit=10").json()).singleElement()
                    .satisfies(row -> assertThat(row.get("id").asText()).isEqualTo(id));

            // history reads a running node's store
            JarProcess history = JarProcess.run(dir, WAIT, "history", "--db", "a.db");
            assertThat(history.exitCode()).isZero();
            assertThat(history.out()).hasSize(2).last().asString().startsWith(id).contains("sent", "DELIVERED", "hi b");

            Answer broadcast = post(apiB + "/broadcast", "{\"text\":\"to all from b\"}");
            assertThat(broadcast.status()).isEqualTo(202);
            String copy = broadcast.json().get("ids").get("a").asText();
            assertThat(broadcast.json().get("id").asText()).as("one message, one id for every peer").isEqualTo(copy);
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(get(apiB + "/messages/" + copy).json().path("status").asText()).isEqualTo("DELIVERED"));

            JsonNode peers = get(apiA + "/peers").json();
            assertThat(peers).singleElement().satisfies(p -> {
                assertThat(p.get("id").asText()).isEqualTo("b");
                assertThat(p.get("state").asText()).isEqualTo("UP");
                assertThat(p.get("address").asText()).isEqualTo(address(b));
                assertThat(p.has("rtt_micros")).isTrue();
                assertThat(p.has("clock_offset_micros")).isTrue();
                assertThat(p.get("last_seen").asText()).endsWith("Z");
            });

            Answer metrics = get(apiA + "/metrics");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.response().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(metrics.body())
                    .contains("parley_messages_sent_total{node=\"a\"} 1.0")
                    .contains("parley_messages_delivered_total{node=\"a\"} 1.0")
                    .contains("parley_messages_received_total{node=\"a\"} 1.0")
                    .contains("parley_peer_up{node=\"a\",peer=\"b\"} 1.0")
                    .contains("parley_delivery_round_trip_seconds_count{node=\"a\"} 1");

            Answer stored = post(apiA + "/messages?wait=stored", "{\"to\":\"b\",\"text\":\"stored first\"}");
            assertThat(stored.status()).isEqualTo(202);
            assertThat(stored.json().get("stored").asBoolean()).isTrue();
            assertThat(get(apiA + "/messages/" + stored.json().get("id").asText()).status())
                    .as("in the sender's store when the answer comes").isEqualTo(200);
            assertRefused(post(apiA + "/messages?wait=later", "{\"to\":\"b\",\"text\":\"x\"}"), 400, "wait must be 'stored'");
            assertRefused(post(apiA + "/messages", "{\"to\":\"zed\",\"text\":\"x\"}"), 422, "unknown peer 'zed'");
            assertRefused(post(apiA + "/messages", "{\"to\":\"b\"}"), 400, "field 'text' is missing");
            assertRefused(post(apiA + "/messages", "{\"to\":\"b\",\"text\":7}"), 400, "'text' must be a string");
            assertRefused(post(apiA + "/messages", "{\"to\":\"b\",\"text\":\"x\",\"ttl\":1}"), 400, "unknown field 'ttl'");
            assertRefused(post(apiA + "/messages", "{\"to\":\"b\""), 400, "not valid JSON");
            assertRefused(post(apiA + "/messages", "[1,2]"), 400, "must be a JSON object");
            assertRefused(post(apiA + "/messages", ""), 400, "no body");
            assertRefused(post(apiA + "/messages", "{\"to\":\"no spaces\",\"text\":\"x\"}"), 400, "is not a node id");
            assertRefused(post(apiA + "/messages", "{\"to\":\"b\",\"text\":\"" + "x".repeat(1024 * 1024 + 1) + "\"}"),
                    413, "exceeds the limit");
            assertRefused(get(apiA + "/messages?limit=0"), 400, "limit must be a whole number from 1 to 100000");
            assertRefused(get(apiA + "/messages?limit=ten"), 400, "got 'ten'");
            assertRefused(get(apiA + "/messages?colour=red"), 400, "unknown parameter 'colour'");
            assertRefused(get(apiA + "/messages/not-a-uuid"), 400, "is not a message id");
            assertRefused(get(apiA + "/messages/01a21341-e3ee-77b2-a212-a843d43eaa8c"), 404, "holds no message");
            assertRefused(get(apiA + "/nothing"), 404, "no such resource '/nothing'");
            assertRefused(get(apiA + "/nodes/zz/health"), 404, "no node 'zz' here");
            Answer wrongMethod = send(HttpRequest.newBuilder(URI.create(apiA + "/messages")).DELETE());
            assertRefused(wrongMethod, 405, "method DELETE is not allowed here; use GET, HEAD, POST");
            assertThat(wrongMethod.response().headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
            assertRefused(get(apiA + "/broadcast"), 405, "use POST");

            // SIGTERM, as a container runtime stops a container: both close gracefully and say so
            a.terminate();
            b.terminate();
            assertThat(a.awaitExit(WAIT)).isEqualTo(143);
            assertThat(b.awaitExit(WAIT)).isEqualTo(143);
            assertThat(a.err()).anyMatch(l -> l.contains("signal received: closing a gracefully"));
        }
    }

    @Test
    void localServesEveryNodeUnderItsId() {
        try (JarProcess local = JarProcess.start("local", dir, "local", "--nodes", "2", "--json", "--data-dir", "data",
                "--http", "127.0.0.1:0")) {
            String api = http(local);
            assertThat(get(api + "/nodes").json()).extracting(JsonNode::asText).containsExactly("n1", "n2");
            assertThat(get(api + "/health").json().get("nodes")).extracting(JsonNode::asText).containsExactly("n1", "n2");
            assertRefused(get(api + "/peers"), 404, "ask one under /nodes/{id}/peers");

            Answer accepted = post(api + "/nodes/n1/messages", "{\"to\":\"n2\",\"text\":\"over http\"}");
            assertThat(accepted.status()).isEqualTo(202);
            String id = accepted.json().get("id").asText();
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(get(api + "/nodes/n2/messages/" + id).json().path("status").asText()).isEqualTo("RECEIVED"));
            assertThat(get(api + "/nodes/n2/peers").json()).extracting(p -> p.get("id").asText()).containsExactly("n1");
            assertThat(get(api + "/nodes/n2/metrics").body()).contains("parley_messages_received_total{node=\"n2\"} 1.0");
            // at the root, every node's meters in one exposition, each family once
            String all = get(api + "/metrics").body();
            assertThat(all).contains("parley_messages_sent_total{node=\"n1\"} 1.0", "parley_messages_received_total{node=\"n2\"} 1.0",
                    "parley_delivery_round_trip_seconds_bucket{node=\"n1\",le=\"0.5\"}");
            assertThat(all.lines().filter(l -> l.startsWith("# TYPE parley_messages_sent_total "))).hasSize(1);
            // The console reported the delivery the HTTP API asked for.
            local.awaitEvent(e -> e.path("event").asText().equals("delivered") && e.get("id").asText().equals(id), WAIT);

            local.closeInput();
            assertThat(local.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void nodesGivenOneSeedEachLearnTheWholeClusterThroughGossip() {
        try (JarProcess a = headless("a", "--listen", "127.0.0.1:0");
             JarProcess b = headless("b", "--listen", "127.0.0.1:0", "--seed", address(a));
             JarProcess c = headless("c", "--listen", "127.0.0.1:0", "--seed", address(b))) {
            for (JarProcess p : List.of(a, b, c)) {
                String api = http(p);
                await().atMost(WAIT).untilAsserted(() -> assertThat(get(api + "/peers").json())
                        .as("peers of %s", api)
                        .extracting(peer -> peer.get("id").asText() + " " + peer.get("state").asText())
                        .hasSize(2).allSatisfy(line -> assertThat(line).endsWith(" UP")));
            }
            Answer accepted = post(http(c) + "/messages", "{\"to\":\"a\",\"text\":\"via gossip\"}");
            assertThat(accepted.status()).isEqualTo(202);
            String id = accepted.json().get("id").asText();
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(get(http(c) + "/messages/" + id).json().path("status").asText()).isEqualTo("DELIVERED"));
        }
    }

    @Test
    void nodesWithTlsCertificatesTalkAndRefuseACertificateForAnotherIdAndBadTlsFilesAreBadArguments() {
        TestCertificates.Ca ca = TestCertificates.Ca.create("demo", dir);
        TestCertificates.NodeFiles certA = ca.issue("a");
        TestCertificates.NodeFiles certB = ca.issue("b");
        String caFile = ca.certificateFile().toString();
        try (JarProcess a = headless("a", "--listen", "127.0.0.1:0", "--tls-cert", certA.certificate().toString(),
                "--tls-key", certA.key().toString(), "--tls-ca", caFile);
             JarProcess b = headless("b", "--listen", "127.0.0.1:0", "--peer", "a=" + address(a),
                     "--tls-cert", certB.certificate().toString(), "--tls-key", certB.key().toString(), "--tls-ca", caFile)) {
            Answer accepted = post(http(b) + "/messages", "{\"to\":\"a\",\"text\":\"over TLS\"}");
            assertThat(accepted.status()).isEqualTo(202);
            String id = accepted.json().get("id").asText();
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(get(http(b) + "/messages/" + id).json().path("status").asText()).isEqualTo("DELIVERED"));

            // A plain node cannot talk to them, and is told why.
            try (JarProcess plain = headless("p", "--listen", "127.0.0.1:0", "--peer", "a=" + address(a))) {
                await().atMost(WAIT).untilAsserted(() -> assertThat(get(http(plain) + "/peers").json())
                        .anySatisfy(peer -> assertThat(peer.path("last_error").asText()).contains("handshake")));
            }
        }

        JarProcess wrongId = JarProcess.run(dir, WAIT, "node", "--id", "c", "--listen", "127.0.0.1:0", "--tls-cert",
                certA.certificate().toString(), "--tls-key", certA.key().toString(), "--tls-ca", caFile);
        assertThat(wrongId.exitCode()).isEqualTo(2);
        assertThat(wrongId.err()).anyMatch(l -> l.contains("names a, not this node's id 'c'"));
        JarProcess halfTls = JarProcess.run(dir, WAIT, "node", "--id", "c", "--listen", "127.0.0.1:0", "--tls-cert",
                certA.certificate().toString());
        assertThat(halfTls.exitCode()).isEqualTo(2);
        assertThat(halfTls.err()).anyMatch(l -> l.contains("TLS needs all of --tls-cert, --tls-key and --tls-ca"));
    }

    private JarProcess headless(String id, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("node", "--id", id, "--db", id + ".db", "--http", "127.0.0.1:0",
                "--headless", "--json"));
        all.addAll(List.of(args));
        JarProcess p = JarProcess.start(id, dir, all.toArray(String[]::new));
        http(p);
        return p;
    }

    private static String address(JarProcess p) {
        return p.awaitEvent(e -> e.path("event").asText().equals("listening"), WAIT).get("address").asText();
    }

    /** The API's base URL, from the process's {@code http} event; its token is remembered for the requests to it. */
    private static String http(JarProcess p) {
        JsonNode event = p.awaitEvent(e -> e.path("event").asText().equals("http"), WAIT);
        String base = "http://" + event.get("address").asText();
        TOKENS.computeIfAbsent(base, b -> {
            try {
                return Files.readString(Path.of(event.get("token_file").asText())).trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return base;
    }

    private static void assertRefused(Answer answer, int status, String reason) {
        assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.response().headers().firstValue("Content-Type")).hasValue("application/json;charset=utf-8");
        assertThat(answer.json().get("error").asText()).contains(reason);
    }

    private static Answer get(String uri) {
        return send(HttpRequest.newBuilder(URI.create(uri)).GET());
    }

    private static Answer post(String uri, String body) {
        return send(HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Answer send(HttpRequest.Builder request) {
        try {
            HttpRequest r0 = request.timeout(Duration.ofSeconds(10)).build();
            String base = r0.uri().getScheme() + "://" + r0.uri().getRawAuthority();
            if (TOKENS.containsKey(base)) {
                request.header("Authorization", "Bearer " + TOKENS.get(base));
            }
            HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
