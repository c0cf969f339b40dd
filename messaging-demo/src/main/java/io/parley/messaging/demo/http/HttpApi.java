package io.parley.messaging.demo.http;

import static io.parley.messaging.demo.http.HttpExchanges.allow;
import static io.parley.messaging.demo.http.HttpExchanges.body;
import static io.parley.messaging.demo.http.HttpExchanges.json;
import static io.parley.messaging.demo.http.HttpExchanges.limit;
import static io.parley.messaging.demo.http.HttpExchanges.nodeId;
import static io.parley.messaging.demo.http.HttpExchanges.query;
import static io.parley.messaging.demo.http.HttpExchanges.refusal;
import static io.parley.messaging.demo.http.HttpExchanges.string;

import io.parley.messaging.demo.http.HttpExchanges.Refusal;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.parley.messaging.BroadcastSubmission;
import io.parley.messaging.Message;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.StoreHealth;
import io.parley.messaging.Submission;
import io.parley.messaging.demo.events.HistoryRows;
import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.events.PeerRows;
import io.parley.messaging.demo.node.DemoException;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.NodeGroup;
import io.parley.messaging.demo.node.NodeMetrics;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP control API, JSON in and out: for one node at the root ({@code /health}, {@code /peers},
 * {@code /messages}, {@code /messages/{id}}, {@code /broadcast}, {@code /metrics}) and for every node of the process
 * under {@code /nodes/{id}/...}. A bad request gets a 4xx status and {@code {"error": "..."}} saying what is wrong.
 *
 * <p>Served by the JDK's {@code com.sun.net.httpserver} on a small pool of its own rather than by a Netty pipeline:
 * half of these requests read the node's SQLite history, which blocks, and on this server every request runs on a
 * pool thread that may block, where on Netty each would have to be handed off the event loop and back. A control
 * API for people and scripts needs neither Netty's throughput nor a second pipeline to keep.
 */
public final class HttpApi implements AutoCloseable {

    /** Rows {@code GET /messages} returns when no {@code limit} is given. */
    static final int DEFAULT_LIMIT = 100;
    private static final int THREADS = 4;
    /** Longest {@code POST /messages?wait=stored} waits for the local commit. */
    static final int STORED_WAIT_SECONDS = 10;

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    static {
        // The JDK server leaves Nagle's algorithm on unless this is set before its first use; then every answer after
        // the first on a kept-alive connection waits for the client's delayed ack, some 40 ms a request.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final NodeGroup nodes;

    private HttpApi(HttpServer server, ExecutorService executor, NodeGroup nodes) {
        this.server = server;
        this.executor = executor;
        this.nodes = nodes;
    }

    /**
     * Starts serving {@code nodes} on {@code host:port} (port 0: one the system chooses).
     *
     * @throws DemoException if it cannot listen there
     */
    public static HttpApi start(String host, int port, NodeGroup nodes) {
        String at = hostPort(host, port);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new DemoException("cannot serve HTTP on " + at + ": " + e.getMessage()
                    + "; is something else listening there? choose another --http address", e);
        } catch (IOException e) {
            throw new DemoException("cannot serve HTTP on " + at + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "parley-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, threads);
        HttpApi api = new HttpApi(server, executor, nodes);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        return api;
    }

    /** Where it listens, {@code host:port}, with the port the system chose. */
    public String address() {
        InetSocketAddress a = server.getAddress();
        return hostPort(a.getAddress().getHostAddress(), a.getPort());
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (Refusal r) {
                r.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
                json(ex, r.status, Json.error(r.getMessage()));
            } catch (NodeClosedException | IllegalStateException e) {
                json(ex, 503, Json.error(e.getMessage()));
            } catch (RuntimeException e) {
                log.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                json(ex, 500, Json.error("internal error: " + e));
            }
        } catch (IOException e) {
            log.debug("HTTP {} {}: could not answer", ex.getRequestMethod(), ex.getRequestURI(), e);
        }
    }

    private void route(HttpExchange ex) throws IOException {
        List<String> path = Arrays.stream(ex.getRequestURI().getRawPath().split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
        List<DemoNode> nodes = this.nodes.nodes();
        if (!path.isEmpty() && path.get(0).equals("nodes")) {
            if (path.size() == 1) {
                allow(ex, "GET");
                ArrayNode ids = Json.array();
                nodes.forEach(n -> ids.add(n.id().value()));
                json(ex, 200, ids);
                return;
            }
            String id = path.get(1);
            DemoNode node = nodes.stream().filter(n -> n.id().value().equals(id)).findFirst()
                    .orElseThrow(() -> new Refusal(404, "no node '" + id + "' here; its nodes are " + this.nodes.ids()));
            serveNode(ex, node, path.subList(2, path.size()));
        } else if (nodes.size() == 1) {
            serveNode(ex, nodes.get(0), path);
        } else if (path.equals(List.of("health"))) {
            allow(ex, "GET");
            ArrayNode ids = Json.array();
            nodes.forEach(n -> ids.add(n.id().value()));
            json(ex, 200, Json.object().put("status", "UP").set("nodes", ids));
        } else {
            throw new Refusal(404, "this process runs several nodes (" + this.nodes.ids() + "); ask one under /nodes/{id}"
                    + (path.isEmpty() ? "" : "/" + String.join("/", path)));
        }
    }

    private void serveNode(HttpExchange ex, DemoNode node, List<String> path) throws IOException {
        String resource = path.isEmpty() ? "" : path.get(0);
        switch (resource) {
            case "health" -> exactly(path, 1, () -> {
                allow(ex, "GET");
                health(ex, node);
            });
            case "peers" -> exactly(path, 1, () -> {
                allow(ex, "GET");
                ArrayNode rows = Json.array();
                node.peers().forEach(p -> rows.add(PeerRows.json(p)));
                json(ex, 200, rows);
            });
            case "messages" -> {
                if (path.size() == 1) {
                    if (allow(ex, "GET", "POST").equals("GET")) {
                        listMessages(ex, node);
                    } else {
                        send(ex, node);
                    }
                } else {
                    exactly(path, 2, () -> {
                        allow(ex, "GET");
                        message(ex, node, path.get(1));
                    });
                }
            }
            case "broadcast" -> exactly(path, 1, () -> {
                allow(ex, "POST");
                broadcast(ex, node);
            });
            case "metrics" -> exactly(path, 1, () -> {
                allow(ex, "GET");
                byte[] body = node.metrics().scrape().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", NodeMetrics.CONTENT_TYPE);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            });
            default -> throw new Refusal(404, "no such resource '/" + String.join("/", path) + "'; node " + node.id()
                    + " serves /health, /peers, /messages, /messages/{id}, /broadcast and /metrics");
        }
    }

    private interface Io {
        void run() throws IOException;
    }

    private static void exactly(List<String> path, int size, Io serve) throws IOException {
        if (path.size() != size) {
            throw new Refusal(404, "no such resource '/" + String.join("/", path) + "'");
        }
        serve.run();
    }

    private static void health(HttpExchange ex, DemoNode node) throws IOException {
        List<PeerInfo> peers = node.peers();
        ObjectNode counts = Json.object();
        for (PeerState s : PeerState.values()) {
            counts.put(s.name(), peers.stream().filter(p -> p.state() == s).count());
        }
        StoreHealth store = node.node().storeHealth();
        ObjectNode body = Json.object().put("status", store.writable() ? "UP" : "DEGRADED").put("node", node.id().value())
                .put("address", node.address());
        body.set("peers", counts);
        ObjectNode storeNode = Json.object().put("writable", store.writable()).put("since", store.since().toString());
        if (!store.writable()) {
            storeNode.put("reason", store.reason());
        }
        body.set("store", storeNode);
        json(ex, 200, body);
    }

    private static void listMessages(HttpExchange ex, DemoNode node) throws IOException {
        Map<String, String> query = query(ex, Set.of("peer", "limit"));
        Optional<NodeId> peer = Optional.ofNullable(query.get("peer")).filter(p -> !p.isEmpty()).map(HttpExchanges::nodeId);
        int limit = DEFAULT_LIMIT;
        if (query.containsKey("limit")) {
            limit = limit(query.get("limit"));
        }
        ArrayNode rows = Json.array();
        node.latest(peer, limit).forEach(m -> rows.add(HistoryRows.json(m)));
        json(ex, 200, rows);
    }

    private static void message(HttpExchange ex, DemoNode node, String id) throws IOException {
        Map<String, String> query = query(ex, Set.of("peer"));
        Optional<NodeId> peer = Optional.ofNullable(query.get("peer")).filter(p -> !p.isEmpty()).map(HttpExchanges::nodeId);
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "'" + id + "' is not a message id; ids are UUIDs, as POST /messages returns them");
        }
        Message m = node.message(messageId, peer)
                .orElseThrow(() -> new Refusal(404, "node " + node.id() + " holds no message " + messageId));
        json(ex, 200, HistoryRows.json(m));
    }

    /**
     * 202 with the id once the message is accepted (queued for this node's store: lost if the process dies before
     * the next commit); with {@code ?wait=stored}, 202 only once this node's store has committed it (it then
     * survives a crash and is sent until the peer has it), or 503 with {@code Retry-After} if that does not happen
     * within {@link #STORED_WAIT_SECONDS} s.
     */
    private static void send(HttpExchange ex, DemoNode node) throws IOException {
        String wait = query(ex, Set.of("wait")).getOrDefault("wait", "");
        if (!wait.isEmpty() && !wait.equals("stored")) {
            throw new Refusal(400, "wait must be 'stored' (answer once this node has stored the message), got '" + wait + "'");
        }
        ObjectNode body = body(ex, Set.of("to", "text"));
        NodeId to = nodeId(string(body, "to"));
        Submission s = node.send(to, string(body, "text"));
        UUID id = s.messageId().orElseThrow(() -> refusal(s.receipt()));
        ex.getResponseHeaders().set("Location", "messages/" + id);
        if (wait.isEmpty()) {
            json(ex, 202, Json.object().put("id", id.toString()));
            return;
        }
        try {
            s.stored().get(STORED_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new Refusal(503, "message " + id + " was accepted but not stored within " + STORED_WAIT_SECONDS
                    + " s; it may still be stored: look it up at messages/" + id, Map.of("Retry-After", "1"));
        } catch (ExecutionException e) {
            throw refusal(s.stored());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(503, "interrupted while waiting for message " + id + " to be stored");
        }
        json(ex, 202, Json.object().put("id", id.toString()).put("stored", true));
    }

    private static void broadcast(HttpExchange ex, DemoNode node) throws IOException {
        ObjectNode body = body(ex, Set.of("text"));
        String text = string(body, "text");
        BroadcastSubmission b = node.broadcast(text);
        UUID id = b.messageId().orElseThrow(() -> refusal(b.receipt()));
        if (b.receipts().isEmpty()) {
            throw new Refusal(409, "node " + node.id() + " knows no peers yet, so there is no one to broadcast to");
        }
        // One message, one id: every peer's copy carries it. A copy that failed already was refused at once.
        ObjectNode ids = Json.object();
        ObjectNode failed = Json.object();
        b.receipts().forEach((peer, receipt) -> {
            if (receipt.isCompletedExceptionally()) {
                failed.put(peer.value(), refusal(receipt).getMessage());
            } else {
                ids.put(peer.value(), id.toString());
            }
        });
        if (ids.isEmpty()) {
            throw refusal(b.receipts().values().iterator().next());
        }
        ObjectNode answer = Json.object().put("id", id.toString());
        answer.set("ids", ids);
        if (!failed.isEmpty()) {
            answer.set("failed", failed);
        }
        json(ex, 202, answer);
    }

    /** Stops taking requests, lets running ones finish for up to a second, and stops the pool. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
