package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.http.ApiFixture.Raw;
import io.parley.messaging.demo.http.SseReader.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /events} over real sockets: events of a send, a resume with Last-Event-ID, a slow client cut alone, and
 * {@code HEAD} answering as GET would.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EventStreamTest {

    @Test
    void aSendShowsAsDeliveredOnTheSenderAndReceivedOnThePeerWithTheFieldsOfJsonEvents() {
        try (ApiFixture f = new ApiFixture(true, b -> b);
             SseReader all = new SseReader(f, "/events", null);
             SseReader onlyB = new SseReader(f, "/nodes/b/events", null)) {
            assertThat(all.response.statusCode()).isEqualTo(200);
            assertThat(all.response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            String id = send(f, "/nodes/a/messages", "b", "over the stream");

            Frame delivered = all.next("delivered", "id", id);
            assertThat(delivered.id()).isEqualTo("a/b/" + id);
            assertThat(delivered.data().get("event").asText()).isEqualTo("delivered");
            assertThat(delivered.data().get("node").asText()).isEqualTo("a");
            assertThat(delivered.data().get("text").asText()).isEqualTo("over the stream");
            assertThat(delivered.data().get("status").asText()).isEqualTo("DELIVERED");
            assertThat(delivered.data().has("rtt_micros")).isTrue();
            Frame received = all.next("received", "id", id);
            assertThat(received.id()).isEqualTo("b/a/" + id);
            assertThat(received.data().get("node").asText()).isEqualTo("b");
            assertThat(received.data().get("direction").asText()).isEqualTo("received");

            Frame onB = onlyB.next("received", "id", id);
            assertThat(onB.data().get("node").asText()).isEqualTo("b");
        }
    }

    @Test
    void aClientThatReconnectsWithLastEventIdGetsTheRowsItMissed() {
        try (ApiFixture f = ApiFixture.oneNode()) {
            String seen;
            try (SseReader first = new SseReader(f, "/events", null)) {
                String id = send(f, "/messages", "b", "seen");
                seen = first.next("delivered", "id", id).id();
            }
            String missed1 = send(f, "/messages", "b", "missed 1");
            String missed2 = send(f, "/messages", "b", "missed 2");
            for (String id : List.of(missed1, missed2)) {
                await().atMost(ApiFixture.WAIT).until(() -> f.send(f.request("/messages/" + id)).body().contains("DELIVERED"));
            }
            try (SseReader again = new SseReader(f, "/events", seen)) {
                Frame m1 = again.next("delivered", "id", missed1);
                assertThat(m1.data().get("text").asText()).isEqualTo("missed 1");
                assertThat(m1.data().get("replayed").asBoolean()).isTrue();
                assertThat(again.next("delivered", "id", missed2).id()).isEqualTo("a/b/" + missed2);
                // and then live
                String live = send(f, "/messages", "b", "live");
                assertThat(again.next("delivered", "id", live).data().has("replayed")).isFalse();
            }
            HttpResponse<String> bad = f.send(f.request("/events").header("Accept", "text/event-stream")
                    .header("Last-Event-ID", "a/b/not-a-uuid"));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(f.send(f.request("/events")).statusCode()).as("without Accept").isEqualTo(406);
        }
    }

    @Test
    void aClientThatNeverReadsIsCutWhileAnotherKeepsReceivingAndHealthAnswers() throws IOException {
        try (ApiFixture f = new ApiFixture(false, b -> b.eventBuffer(64));
             SseReader reader = new SseReader(f, "/events", null);
             Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", f.port), 5_000);
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer "
                    + ApiFixture.TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(ApiFixture.WAIT).until(() -> metric(f, "parley_http_event_streams") == 2);

            String text = "x".repeat(16 * 1024);
            List<Duration> health = new ArrayList<>();
            int[] sent = {0};
            Pace.until(Duration.ofMillis(20), ApiFixture.WAIT, () -> metric(f, "parley_http_event_streams_cut_total") >= 1,
                    () -> {
                        for (int i = 0; i < 10; i++) {
                            f.a.send(new io.parley.messaging.NodeId("b"), text);
                            sent[0]++;
                        }
                        health.add(f.healthWithinASecond());
                    });
            assertThat(metric(f, "parley_http_event_streams_cut_total")).isEqualTo(1);
            String after = send(f, "/messages", "b", "after the cut");
            assertThat(reader.next("delivered", "id", after).data().get("text").asText()).isEqualTo("after the cut");
            await().atMost(ApiFixture.WAIT).until(() -> metric(f, "parley_http_event_streams") == 1);
            health.add(f.healthWithinASecond());
            System.out.printf("[http-events] a client that never reads cut after %d messages of 16 KiB; /health max %d ms%n",
                    sent[0], health.stream().mapToLong(Duration::toMillis).max().orElse(0));
        }
    }

    @Test
    void headAnswersAsGetWouldWithoutOpeningAStream() throws IOException {
        String auth = "Host: 127.0.0.1\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\n";
        String accept = "Accept: text/event-stream\r\n";
        try (ApiFixture f = new ApiFixture(false, b -> b.maxEventStreams(1).idleTimeout(Duration.ofSeconds(4)));
             Socket s = f.connect()) {
            Raw noAccept = Raw.exchange(s, "HEAD /events HTTP/1.1\r\n" + auth + "\r\n");
            assertThat(noAccept.statusLine()).isEqualTo("HTTP/1.1 406 Not Acceptable");
            assertThat(Raw.exchange(s, "HEAD /nodes/a/events HTTP/1.1\r\n" + auth + "\r\n").status()).isEqualTo(406);
            Raw badId = Raw.exchange(s, "HEAD /events HTTP/1.1\r\n" + auth + accept + "Last-Event-ID: a/b/not-a-uuid\r\n\r\n");
            assertThat(badId.status()).isEqualTo(400);

            Raw ok = Raw.exchange(s, "HEAD /events HTTP/1.1\r\n" + auth + accept + "\r\n");
            assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(ok.headers().get("content-type")).startsWith("text/event-stream");
            assertThat(ok.headers()).containsEntry("cache-control", "no-cache");
            assertThat(metric(f, "parley_http_event_streams")).as("a HEAD opens no stream").isZero();

            try (SseReader only = new SseReader(f, "/events", null)) {
                assertThat(only.response.statusCode()).isEqualTo(200);
                await().atMost(ApiFixture.WAIT).until(() -> metric(f, "parley_http_event_streams") == 1);
                Raw full = Raw.exchange(s, "HEAD /events HTTP/1.1\r\n" + auth + accept + "\r\n");
                assertThat(full.statusLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
                assertThat(full.headers()).containsEntry("retry-after", "5");
                assertThat(f.send(f.request("/events").header("Accept", "text/event-stream")).statusCode())
                        .as("GET past the cap").isEqualTo(503);
                // as for GET, Accept is checked before the cap
                assertThat(Raw.exchange(s, "HEAD /events HTTP/1.1\r\n" + auth + "\r\n").status()).isEqualTo(406);
                // the connection is still in step after the HEADs: no body was sent for any of them
                assertThat(Raw.exchange(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status()).isEqualTo(200);
            }
            // the server sees the client gone at the next heartbeat (half the idle timeout): the slot is free again
            await().atMost(ApiFixture.WAIT).until(() -> metric(f, "parley_http_event_streams") == 0);
            try (Socket again = f.connect()) {
                assertThat(Raw.exchange(again, "HEAD /events HTTP/1.1\r\n" + auth + accept + "\r\n").status()).isEqualTo(200);
            }
        }
    }

    private static double metric(ApiFixture f, String name) {
        String text = f.send(f.request("/metrics")).body();
        return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String send(ApiFixture f, String path, String to, String text) {
        HttpResponse<String> r = f.send(f.request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"" + to + "\",\"text\":\"" + text + "\"}")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        try {
            return Json.MAPPER.readTree(r.body()).get("id").asText();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
