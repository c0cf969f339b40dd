package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.http.ApiFixture.Raw;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API in process over real sockets: who gets in (token, Host, Origin, Content-Type), and answers that are the
 * same everywhere (one error shape with a reason phrase, HEAD for every GET, 405 with Allow, unknown peer, empty text).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpApiTest {

    private static final String JSON = "application/json;charset=utf-8";

    @Test
    void everyRequestButHealthNeedsTheToken() {
        try (ApiFixture f = ApiFixture.oneNode()) {
            HttpResponse<String> none = f.send(HttpRequest.newBuilder(java.net.URI.create(f.base() + "/peers")));
            assertRefused(none, 401, "needs 'Authorization: Bearer TOKEN'");
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"parley\"");

            HttpResponse<String> wrong = f.send(HttpRequest.newBuilder(java.net.URI.create(f.base() + "/peers"))
                    .header("Authorization", "Bearer " + ApiFixture.TOKEN.replace('0', '1')));
            assertRefused(wrong, 401, "the bearer token is wrong");
            assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));

            assertRefused(f.send(HttpRequest.newBuilder(java.net.URI.create(f.base() + "/messages"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"b\",\"text\":\"x\"}"))), 401, "Bearer");

            assertThat(f.send(HttpRequest.newBuilder(java.net.URI.create(f.base() + "/health"))).statusCode()).isEqualTo(200);
            assertThat(f.send(f.request("/peers")).statusCode()).isEqualTo(200);
            f.healthWithinASecond();
        }
    }

    @Test
    void aPageElsewhereCannotMakeTheNodeSend() throws IOException {
        try (ApiFixture f = ApiFixture.oneNode(); Socket s = f.connect()) {
            // CSRF: a form on another site posts text/plain with the browser's cookies, and no token
            String body = "{\"to\":\"b\",\"text\":\"csrf\"}";
            Raw csrf = Raw.exchange(s, "POST /messages HTTP/1.1\r\nHost: 127.0.0.1:" + f.port + "\r\nOrigin: http://evil.example\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            assertThat(csrf.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden");
            assertThat(Json.MAPPER.readTree(csrf.body()).get("error").asText()).contains("http://evil.example");
            // even with the token, a foreign Origin is refused
            Raw withToken = Raw.exchange(s, "GET /peers HTTP/1.1\r\nHost: 127.0.0.1:" + f.port + "\r\nOrigin: http://evil.example\r\n"
                    + "Authorization: Bearer " + ApiFixture.TOKEN + "\r\n\r\n");
            assertThat(withToken.status()).isEqualTo(403);
            // the API's own origin is fine
            Raw own = Raw.exchange(s, "GET /peers HTTP/1.1\r\nHost: 127.0.0.1:" + f.port + "\r\nOrigin: http://127.0.0.1:" + f.port
                    + "\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\n\r\n");
            assertThat(own.status()).isEqualTo(200);
            f.healthWithinASecond();
        }
    }

    @Test
    void aReboundDnsNameIsRefusedAndConfiguredNamesAreNot() throws IOException {
        try (ApiFixture f = new ApiFixture(false, b -> b.hostName("parley.internal")); Socket s = f.connect()) {
            Raw rebound = Raw.exchange(s, "GET /peers HTTP/1.1\r\nHost: evil.example:" + f.port + "\r\nAuthorization: Bearer "
                    + ApiFixture.TOKEN + "\r\n\r\n");
            assertThat(rebound.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden");
            assertThat(rebound.body()).contains("Host 'evil.example:" + f.port + "' is not a name of this API");
            for (String host : List.of("localhost:" + f.port, "127.0.0.1", "[::1]:8080", "PARLEY.internal:80")) {
                Raw ok = Raw.exchange(s, "GET /health HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                assertThat(ok.status()).as(host).isEqualTo(200);
            }
            f.healthWithinASecond();
        }
    }

    @Test
    void postsMustBeJson() {
        try (ApiFixture f = ApiFixture.oneNode()) {
            HttpResponse<String> plain = f.send(f.request("/messages").header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"b\",\"text\":\"x\"}")));
            assertRefused(plain, 415, "POST needs Content-Type: application/json, got 'text/plain'");
            HttpResponse<String> json = f.send(f.request("/messages").header("Content-Type", "application/json; charset=UTF-8")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"b\",\"text\":\"x\"}")));
            assertThat(json.statusCode()).isEqualTo(202);
        }
    }

    @Test
    void unknownPeersAndEmptyTextGetTheSameAnswerEverywhere() {
        try (ApiFixture f = ApiFixture.oneNode()) {
            assertRefused(f.send(f.request("/messages?peer=zz")), 422, "unknown peer 'zz'");
            assertRefused(f.send(f.request("/messages/01a21341-e3ee-77b2-a212-a843d43eaa8c?peer=zz")), 422, "unknown peer 'zz'");
            assertRefused(post(f, "/messages", "{\"to\":\"zz\",\"text\":\"x\"}"), 422, "unknown peer 'zz'");
            assertRefused(post(f, "/messages", "{\"to\":\"b\",\"text\":\"\"}"), 400, "field 'text' is empty");
            assertRefused(post(f, "/broadcast", "{\"text\":\"\"}"), 400, "field 'text' is empty");
            assertThat(f.send(f.request("/messages?peer=b")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void everyAnswerHasAReasonPhraseEveryRefusalTheOneErrorShapeAndEveryGetAHead() throws IOException {
        try (ApiFixture f = ApiFixture.oneNode(); Socket s = f.connect()) {
            String auth = "Authorization: Bearer " + ApiFixture.TOKEN + "\r\n";
            String host = "Host: 127.0.0.1\r\n";
            String body = "{\"to\":\"zz\",\"text\":\"x\"}";
            Raw unknown = Raw.exchange(s, "POST /messages HTTP/1.1\r\n" + host + auth + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            assertThat(unknown.statusLine()).isEqualTo("HTTP/1.1 422 Unprocessable Entity");
            assertThat(unknown.headers()).containsEntry("content-type", JSON);

            Raw missing = Raw.exchange(s, "GET /nothing/here HTTP/1.1\r\n" + host + auth + "\r\n");
            assertThat(missing.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
            assertThat(missing.body()).contains("\"error\":\"no such resource '/nothing/here'");

            Raw wrongMethod = Raw.exchange(s, "DELETE /messages HTTP/1.1\r\n" + host + auth + "\r\n");
            assertThat(wrongMethod.statusLine()).isEqualTo("HTTP/1.1 405 Method Not Allowed");
            assertThat(wrongMethod.headers()).containsEntry("allow", "GET, HEAD, POST");

            for (String path : List.of("/health", "/peers", "/messages", "/metrics", "/nodes", "/nodes/a/health")) {
                Raw get = Raw.exchange(s, "GET " + path + " HTTP/1.1\r\n" + host + auth + "\r\n");
                Raw head = Raw.exchange(s, "HEAD " + path + " HTTP/1.1\r\n" + host + auth + "\r\n");
                assertThat(head.statusLine()).as(path).isEqualTo("HTTP/1.1 200 OK").isEqualTo(get.statusLine());
                assertThat(head.headers().get("content-type")).as(path).isEqualTo(get.headers().get("content-type"));
            }
            // the connection is still in step after the HEADs: no body was sent for them
            assertThat(Raw.exchange(s, "GET /health HTTP/1.1\r\n" + host + "\r\n").status()).isEqualTo(200);
        }
        try (ApiFixture f = ApiFixture.oneNode(); Socket s = f.connect()) {
            // what Jetty refuses by itself has the same shape
            Raw tooLarge = Raw.exchange(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "x".repeat(9_000) + "\r\n\r\n");
            assertThat(tooLarge.statusLine()).startsWith("HTTP/1.1 431 ");
            assertThat(tooLarge.headers()).containsEntry("content-type", JSON);
            assertThat(Json.MAPPER.readTree(tooLarge.body()).get("error").asText()).startsWith("Request Header Fields Too Large");
        }
    }

    @Test
    void aGeneratedTokenIsReadableByItsOwnerOnlyAndKeptAcrossStarts(@TempDir Path dir) throws IOException {
        String token = ApiToken.readOrCreate(dir);
        Path file = dir.resolve(ApiToken.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);
        assertThat(ApiToken.readOrCreate(dir)).isEqualTo(token);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(ApiToken.readOrCreate(dir)).isEqualTo(token);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    private static HttpResponse<String> post(ApiFixture f, String path, String body) {
        return f.send(f.request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static void assertRefused(HttpResponse<String> answer, int status, String reason) {
        assertThat(answer.statusCode()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue(JSON);
        try {
            assertThat(Json.MAPPER.readTree(answer.body()).get("error").asText()).contains(reason);
        } catch (IOException e) {
            throw new AssertionError(answer.body(), e);
        }
    }
}
