package io.parley.messaging.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * n headless node processes of the demo jar, {@code n1} to {@code nN}, each on its SQLite store in one directory,
 * every one dialling every other through a {@link LinkProxy} of its own: the proxy {@code "a>b"} is where {@code a}
 * dials {@code b}. A node restarted on another port is found again: every proxy into it is moved there.
 *
 * <p><b>Threads.</b> Built and closed by the test's thread; {@link #restart}, {@link #post} and {@link #pending} may be
 * called from any thread (nodes synchronize their own process operations, proxies are thread-safe).
 */
final class FaultCluster implements AutoCloseable {

    /** The HTTP API's bearer token file, the same for every node, in the run's directory. */
    static final String TOKEN_FILE = "http-token";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final Map<String, LinkProxy> links = new LinkedHashMap<>();
    private final List<String> jvmOptions;
    private final String token = "fault-suite-token-0123456789";

    /** n nodes in {@code dir}, not yet started; {@code seed} seeds how the proxies cut fragments. */
    FaultCluster(Path dir, int n, long seed, List<String> jvmOptions) {
        this.jvmOptions = List.copyOf(jvmOptions);
        try {
            Files.writeString(dir.resolve(TOKEN_FILE), token + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= n; j++) {
                if (i != j) {
                    links.put("n" + i + ">n" + j, new LinkProxy("n" + i + ">n" + j, seed * 31 + i * 17L + j));
                }
            }
        }
        for (int i = 1; i <= n; i++) {
            List<String> peers = new ArrayList<>();
            for (int j = 1; j <= n; j++) {
                if (i != j) {
                    peers.addAll(List.of("--peer", "n" + j + "=127.0.0.1:" + links.get("n" + i + ">n" + j).port()));
                }
            }
            nodes.add(new ClusterNode("n" + i, dir, peers));
        }
    }

    List<ClusterNode> nodes() {
        return nodes;
    }

    /** Starts every node, with no clock offset. */
    void start() {
        for (ClusterNode node : nodes) {
            restart(node, Duration.ZERO);
        }
    }

    /** Starts {@code node} (again, on its store) with its clock {@code offset} off, and moves the proxies into it. */
    void restart(ClusterNode node, Duration offset) {
        node.start(offset, jvmOptions);
        for (Map.Entry<String, LinkProxy> link : links.entrySet()) {
            if (link.getKey().endsWith(">" + node.id())) {
                link.getValue().target(node.port());
            }
        }
    }

    /** Both proxies between {@code a} and {@code b}. */
    List<LinkProxy> between(ClusterNode a, ClusterNode b) {
        return List.of(links.get(a.id() + ">" + b.id()), links.get(b.id() + ">" + a.id()));
    }

    /** Every proxy back to no fault. */
    void healLinks() {
        links.values().forEach(LinkProxy::heal);
    }

    /**
     * {@code POST /messages?wait=stored} to {@code from}: the message's id if it answered 202 (the message is in its
     * store), empty for any other answer, no answer within {@code timeout}, or a node that is down.
     */
    Optional<String> post(ClusterNode from, String to, String text, Duration timeout) {
        String api = from.api();
        if (api == null) {
            return Optional.empty();
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/messages?wait=stored")).timeout(timeout)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"" + to + "\",\"text\":\"" + text + "\"}")).build();
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                return Optional.empty();
            }
            return Optional.of(JarProcess.parse(r.body()).get("id").asText());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** {@code GET path} on {@code node}'s API, its body; empty if it does not answer 200. */
    Optional<String> get(ClusterNode node, String path) {
        String api = node.api();
        if (api == null) {
            return Optional.empty();
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Sent messages still PENDING in every store together, read from the files beside the running nodes. */
    long pending() {
        long pending = 0;
        for (ClusterNode node : nodes) {
            pending += count(node.db(), "SELECT count(*) FROM message WHERE direction = 0 AND status = 0");
        }
        return pending;
    }

    /** One number an SQL query reads from a store file, on a read-only connection. */
    static long count(Path db, String sql) {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(5_000);
        try (Connection c = config.createConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getLong(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(db + ": " + e.getMessage(), e);
        }
    }

    /** Stops every node gracefully (SIGCONT first, should one be paused), then every proxy. */
    @Override
    public void close() {
        for (ClusterNode node : nodes) {
            node.stop();
        }
        links.values().forEach(LinkProxy::close);
    }
}
