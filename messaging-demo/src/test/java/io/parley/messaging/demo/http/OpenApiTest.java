package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.messaging.demo.events.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /openapi.json} against the live server: every route it documents answers a good and a bad request with
 * statuses it documents for that route, and every route the server serves is documented.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenApiTest {

    @Test
    void everyDocumentedRouteAnswersAsDocumentedAndEveryServedRouteIsDocumented() throws IOException {
        try (ApiFixture f = ApiFixture.oneNode()) {
            HttpResponse<String> answer = f.send(f.request("/openapi.json"));
            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode doc = Json.MAPPER.readTree(answer.body());
            assertThat(doc.get("openapi").asText()).startsWith("3.");

            Map<String, List<String>> documented = new TreeMap<>();
            doc.get("paths").fields().forEachRemaining(p -> {
                List<String> methods = new ArrayList<>();
                p.getValue().fieldNames().forEachRemaining(m -> methods.add(m.toUpperCase(Locale.ROOT)));
                documented.put(p.getKey(), methods.stream().sorted().toList());
            });
            assertThat(documented).isEqualTo(new TreeMap<>(f.api.routes()));

            String sent = sendId(f);
            List<String> checked = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> path = paths.next();
                for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    String method = op.getKey().toUpperCase(Locale.ROOT);
                    JsonNode responses = op.getValue().get("responses");
                    Call good = good(path.getKey(), method, sent);
                    Call bad = bad(path.getKey(), method);
                    for (Call c : List.of(good, bad)) {
                        int status = status(f, c);
                        assertThat(status).as("%s %s %s", c.method, c.path, c.body).isEqualTo(c.expected);
                        assertThat(responses.has(String.valueOf(status))).as("%s %s documents %s", method, path.getKey(), status).isTrue();
                    }
                    checked.add(method + " " + path.getKey());
                }
            }
            System.out.println("[openapi] " + checked.size() + " operations checked with a good and a bad request");
        }
    }

    /** A request, what it should get, and whether it carries the token. */
    record Call(String method, String path, String body, int expected, boolean token, String accept) {
    }

    private static Call good(String path, String method, String sentId) {
        String p = path.replace("{node}", "a").replace("{id}", sentId);
        String body = p.endsWith("/broadcast") ? "{\"text\":\"hi\"}" : method.equals("POST") ? "{\"to\":\"b\",\"text\":\"hi\"}" : null;
        int status = method.equals("POST") ? 202 : 200;
        return new Call(method, p, body, status, true, p.endsWith("/events") ? "text/event-stream" : null);
    }

    private static Call bad(String path, String method) {
        if (path.startsWith("/nodes/{node}")) {
            String p = path.replace("{node}", "zz").replace("{id}", "01a21341-e3ee-77b2-a212-a843d43eaa8c");
            String body = method.equals("POST") ? "{\"text\":\"hi\"}" : null;
            return new Call(method, p, body, 404, true, "text/event-stream");
        }
        return switch (method + " " + path) {
            case "GET /health" -> new Call(method, path, null, 403, false, "origin");
            case "GET /messages" -> new Call(method, path + "?peer=zz", null, 422, true, null);
            case "POST /messages" -> new Call(method, path, "{\"to\":\"zz\",\"text\":\"x\"}", 422, true, null);
            case "GET /messages/{id}" -> new Call(method, "/messages/not-a-uuid", null, 400, true, null);
            case "POST /broadcast" -> new Call(method, path, "{\"text\":\"\"}", 400, true, null);
            case "GET /events" -> new Call(method, path, null, 406, true, null);
            default -> new Call(method, path, null, 401, false, null);
        };
    }

    private static int status(ApiFixture f, Call c) {
        HttpRequest.Builder r = c.token ? f.request(c.path) : HttpRequest.newBuilder(URI.create(f.base() + c.path));
        if ("origin".equals(c.accept)) {
            r.header("Origin", "http://evil.example");
        } else if (c.accept != null) {
            r.header("Accept", c.accept);
        }
        if (c.body != null) {
            r.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(c.body));
        }
        try {
            // a stream never ends: read the status, then close it
            HttpResponse<InputStream> answer = HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
            answer.body().close();
            return answer.statusCode();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String sendId(ApiFixture f) throws IOException {
        HttpResponse<String> r = f.send(f.request("/messages").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"b\",\"text\":\"for openapi\"}")));
        return Json.MAPPER.readTree(r.body()).get("id").asText();
    }
}
