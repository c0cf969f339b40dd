package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.Node;
import io.parley.messaging.PeerState;
import io.parley.messaging.demo.events.RecordingSink;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.NodeGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Two nodes, a and b, that know each other, and the HTTP API of one process serving them on 127.0.0.1, port 0; with a
 * raw-socket client, for requests no ordinary client would send, and a timed {@code GET /health} from a client of its own.
 */
final class ApiFixture implements AutoCloseable {

    static final String TOKEN = "test-token-0123456789abcdef";
    static final Duration WAIT = Duration.ofSeconds(20);

    final DemoNode b;
    final DemoNode a;
    final NodeGroup group = new NodeGroup();
    final HttpApi api;
    final EventFeed feed;
    final int port;
    private final HttpClient health = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** Nodes a and b; the API serves {@code served} of them ("a": a alone, at the root). */
    ApiFixture(boolean both, UnaryOperator<HttpSettings.Builder> settings) {
        this(both, settings, "http");
    }

    /** As above, the API on {@code scheme} ({@code https}: the settings give its TLS files; no warm-up request). */
    ApiFixture(boolean both, UnaryOperator<HttpSettings.Builder> settings, String scheme) {
        RecordingSink recording = new RecordingSink();
        feed = new EventFeed(recording);
        EventFeed sink = feed;
        b = DemoNode.start(Node.builder().id("b"), Path.of("b.db"), sink);
        a = DemoNode.start(Node.builder().id("a").peer("b", "127.0.0.1", b.node().localAddress().getPort()), Path.of("a.db"), sink);
        await().atMost(WAIT).until(() -> a.peers().stream().anyMatch(p -> p.state() == PeerState.UP));
        group.add(a);
        if (both) {
            group.add(b);
        }
        api = HttpApi.start(settings.apply(HttpSettings.builder(TOKEN).listen("127.0.0.1", 0)).build(), group, feed);
        port = Integer.parseInt(api.address().substring(api.address().lastIndexOf(':') + 1));
        if (scheme.equals("https")) {
            return;
        }
        // the first request loads the classes that serve it (seconds on a busy machine): not part of any figure
        send(HttpRequest.newBuilder(URI.create(base() + "/health")).timeout(WAIT));
    }

    static ApiFixture oneNode() {
        return new ApiFixture(false, b -> b);
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    /** A request with the token. */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base() + path)).timeout(WAIT).header("Authorization", "Bearer " + TOKEN);
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return health.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code GET /health} on a connection of its own; asserts it answers 200 within 1 s, and returns how long it took. */
    Duration healthWithinASecond() {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            s.setSoTimeout(1_000);
            Raw answer = Raw.exchange(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            return took;
        } catch (IOException e) {
            throw new AssertionError("GET /health did not answer within 1 s: " + e, e);
        }
    }

    /** A raw connection to the API. */
    Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    @Override
    public void close() {
        api.close();
        a.close();
        b.close();
    }

    /** An HTTP/1.1 answer as read off a socket: status line, headers (names lower case) and body. */
    record Raw(String statusLine, java.util.Map<String, String> headers, String body) {

        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        /** Writes {@code request} and reads one answer (by Content-Length; to the end of the stream without one). */
        static Raw exchange(Socket s, String request) throws IOException {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(s.getInputStream(), request.startsWith("HEAD "));
        }

        static Raw read(InputStream in, boolean head) throws IOException {
            String status = line(in);
            java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            byte[] body;
            if (head) {
                body = new byte[0];
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
                    all.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
                body = all.toByteArray();
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else {
                body = in.readAllBytes();
            }
            return new Raw(status, headers, new String(body, StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("the connection closed after '" + b + "'");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }
}
