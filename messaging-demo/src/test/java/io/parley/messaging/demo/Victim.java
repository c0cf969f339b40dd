package io.parley.messaging.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The node under attack: a {@code node} process of the demo jar on a SQLite store, run as the container image runs
 * it (a small heap that ends the process on {@code OutOfMemoryError}), with its HTTP API on the loopback.
 */
final class Victim implements AutoCloseable {

    static final String ID = "victim";
    /** The heap of the node under attack, as in the issue that asked for this suite and in a small container. */
    static final String HEAP = "-Xmx160m";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final JarProcess process;
    private final Path dir;
    private final int port;
    private final String api;
    private final String token;

    Victim(Path dir, String... extraArgs) {
        this.dir = dir;
        List<String> args = new ArrayList<>(List.of("node", "--id", ID, "--listen", "127.0.0.1:0", "--db", ID + ".db",
                "--http", "127.0.0.1:0", "--headless", "--json"));
        args.addAll(List.of(extraArgs));
        this.process = JarProcess.start(ID, dir, List.of(HEAP, "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC"),
                args.toArray(String[]::new));
        // The stream of events per message is more than the test can hold; it needs none of them.
        process.keepOnly(line -> line.length() < 4096 && !line.startsWith("{\"event\":\"received\"")
                && !line.startsWith("{\"event\":\"delivered\"") && !line.startsWith("{\"event\":\"sent\""));
        String address = process.awaitEvent(e -> e.path("event").asText().equals("listening"), WAIT).get("address").asText();
        this.port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        JsonNode http = process.awaitEvent(e -> e.path("event").asText().equals("http"), WAIT);
        this.api = "http://" + http.get("address").asText();
        try {
            this.token = Files.readString(Path.of(http.get("token_file").asText())).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    JarProcess process() {
        return process;
    }

    /** How many peers the node knows, from {@code GET /peers}. */
    int knownPeers() {
        return get("/peers").size();
    }

    /** Messages to {@code peer} still waiting for its receipt, from {@code GET /messages?peer=}. */
    long pendingFor(String peer) {
        JsonNode rows = get("/messages?peer=" + peer);
        JsonNode list = rows.isArray() ? rows : rows.path("messages");
        long n = 0;
        for (JsonNode row : list) {
            if ("PENDING".equals(row.path("status").asText())) {
                n++;
            }
        }
        return n;
    }

    /** {@code POST /messages} of {@code text} to {@code to}: the HTTP status. */
    int send(String to, String text) {
        String body = "{\"to\":" + JarProcess.quote(to) + ",\"text\":" + JarProcess.quote(text) + "}";
        return request(HttpRequest.newBuilder(URI.create(api + "/messages")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))).statusCode();
    }

    private JsonNode get(String path) {
        HttpResponse<String> r = request(HttpRequest.newBuilder(URI.create(api + path)).GET());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JarProcess.parse(r.body());
    }

    private HttpResponse<String> request(HttpRequest.Builder b) {
        try {
            return HTTP.send(b.timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The node's log file: its longest line and its size, in characters and bytes. */
    long[] logShape() {
        Path log = dir.resolve(ID + ".log");
        try (Stream<String> lines = Files.lines(log)) {
            long longest = lines.mapToLong(String::length).max().orElse(0);
            return new long[] {longest, Files.size(log)};
        } catch (IOException | UncheckedIOException e) {
            return new long[] {-1, -1};
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
