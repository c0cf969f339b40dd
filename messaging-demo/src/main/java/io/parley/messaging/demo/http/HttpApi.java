package io.parley.messaging.demo.http;

import static io.parley.messaging.demo.http.HttpExchanges.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.util.JavalinException;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.http.HttpExchanges.Refusal;
import io.parley.messaging.demo.node.DemoException;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.NodeGroup;
import io.parley.messaging.demo.node.NodeMetrics;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP control API, JSON in and out: for one node at the root ({@code /health}, {@code /peers},
 * {@code /messages}, {@code /messages/{id}}, {@code /broadcast}, {@code /metrics}) and for every node of the process
 * under {@code /nodes/{id}/...}. A refused request gets a 4xx (or 5xx) status and {@code {"error": "..."}} saying why.
 *
 * <p>Served by Javalin on Jetty 12 (README, "HTTP API", says why): Jetty reads request lines and headers without a
 * thread, {@link BodyBuffer} reads bodies the same way, so the worker threads only ever run a handler whose request is
 * in full; {@link AccessGuard} runs before every route. The limits are in {@link HttpSettings}.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    /** Methods answered with 405 and {@code Allow} on a path that does not serve them. */
    private static final List<HandlerType> METHODS = List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.POST,
            HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE, HandlerType.OPTIONS);
    private static final List<String> NODE_RESOURCES = List.of("/health", "/peers", "/messages", "/messages/{id}",
            "/broadcast", "/metrics", "/events");

    /** Longest a close waits for requests in flight. */
    private static final long STOP_MILLIS = 1_000;
    /** What is left of an idle connection's timeout once the API closes. */
    private static final long SHUTDOWN_IDLE_MILLIS = 100;

    private final Javalin app;
    private final NodeGroup nodes;
    private final HttpSettings settings;
    private final EventStreams events;
    /** Each path served, with its methods (HEAD, and the 405s, left out): what {@code /openapi.json} describes. */
    private final Map<String, List<String>> served = new LinkedHashMap<>();

    private HttpApi(NodeGroup nodes, HttpSettings settings, EventFeed feed) {
        this.nodes = nodes;
        this.settings = settings;
        this.events = new EventStreams(feed, settings);
        this.app = Javalin.create(this::configure);
    }

    /**
     * Starts serving {@code nodes} as {@code settings} say, their events on {@code GET /events} from {@code feed} (the
     * sink the nodes report to).
     *
     * @throws DemoException if it cannot listen there
     */
    public static HttpApi start(HttpSettings settings, NodeGroup nodes, EventFeed feed) {
        HttpApi api = new HttpApi(nodes, settings, feed);
        try {
            api.app.start();
        } catch (RuntimeException e) {
            api.app.stop();
            String at = hostPort(settings.host(), settings.port());
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof BindException)) {
                cause = cause.getCause();
            }
            if (cause instanceof BindException) {
                throw new DemoException("cannot serve HTTP on " + at + ": " + cause.getMessage()
                        + "; is something else listening there? choose another --http address", e);
            }
            throw new DemoException("cannot serve HTTP on " + at + ": " + cause, e);
        }
        return api;
    }

    private void configure(JavalinConfig config) {
        config.startup.showJavalinBanner = false;
        config.http.maxRequestSize = settings.maxBodyBytes();
        QueuedThreadPool threads = new QueuedThreadPool(settings.threads(), Math.min(4, settings.threads()));
        threads.setName("parley-http");
        threads.setDaemon(true);
        config.jetty.threadPool = threads;
        config.jetty.modifyHttpConfiguration(this::http);
        config.jetty.addConnector(this::connector);
        config.jetty.modifyServer(server -> {
            server.addBean(new NetworkConnectionLimit(settings.maxConnections(), server));
            server.setErrorHandler(new JsonErrorHandler());
            server.insertHandler(new BodyBuffer(settings.maxBodyBytes(), settings.bodyTimeout()));
            server.setStopTimeout(STOP_MILLIS);
        });
        routes(config.routes);
    }

    private void http(HttpConfiguration http) {
        http.setRequestHeaderSize(settings.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setIdleTimeout(settings.idleTimeout().toMillis());
    }

    private ServerConnector connector(Server server, HttpConfiguration http) {
        ServerConnector c;
        if (settings.tls() == null) {
            c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setSslContext(settings.tls());
            ssl.setNeedClientAuth(settings.clientCertificates());
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false); // clients reach it by address too; Host is checked by AccessGuard
            http.addCustomizer(secure);
            c = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        }
        c.setHost(settings.host());
        c.setPort(settings.port());
        c.setIdleTimeout(settings.idleTimeout().toMillis());
        c.setAcceptQueueSize(128);
        c.setShutdownIdleTimeout(SHUTDOWN_IDLE_MILLIS); // so that a client's idle kept-alive connection ends a close at once
        return c;
    }

    private void routes(RoutesConfig r) {
        r.before(new AccessGuard(settings));
        r.exception(Refusal.class, (e, ctx) -> {
            e.headers.forEach(ctx::header);
            json(ctx, e.status, Json.error(e.getMessage()));
        });
        r.exception(NodeClosedException.class, (e, ctx) -> json(ctx, 503, Json.error(e.getMessage())));
        r.exception(IllegalStateException.class, (e, ctx) -> json(ctx, 503, Json.error(e.getMessage())));
        r.exception(Exception.class, (e, ctx) -> {
            log.warn("HTTP {} {} failed", ctx.method(), ctx.path(), e);
            json(ctx, 500, Json.error("internal error: " + e));
        });

        route(r, "/nodes", Map.of(HandlerType.GET, ctx -> json(ctx, 200, ids())));
        route(r, "/openapi.json", Map.of(HandlerType.GET, ctx -> ctx.status(200).contentType(JsonErrorHandler.CONTENT_TYPE)
                .result(OpenApi.document())));
        route(r, "/health", Map.of(HandlerType.GET, this::health));
        route(r, "/metrics", Map.of(HandlerType.GET, this::metrics));
        serve(r, "/peers", HandlerType.GET, NodeRoutes::peers);
        Map<HandlerType, io.javalin.http.Handler> messages = new LinkedHashMap<>();
        messages.put(HandlerType.GET, ctx -> NodeRoutes.listMessages(ctx, root(ctx)));
        messages.put(HandlerType.POST, ctx -> NodeRoutes.send(ctx, root(ctx)));
        route(r, "/messages", messages);
        serve(r, "/messages/{id}", HandlerType.GET, NodeRoutes::message);
        serve(r, "/broadcast", HandlerType.POST, NodeRoutes::broadcast);
        route(r, "/events", streams(ctx -> nodes.nodes()));

        route(r, "/nodes/{node}/health", Map.of(HandlerType.GET, ctx -> NodeRoutes.health(ctx, named(ctx))));
        route(r, "/nodes/{node}/peers", Map.of(HandlerType.GET, ctx -> NodeRoutes.peers(ctx, named(ctx))));
        Map<HandlerType, io.javalin.http.Handler> nodeMessages = new LinkedHashMap<>();
        nodeMessages.put(HandlerType.GET, ctx -> NodeRoutes.listMessages(ctx, named(ctx)));
        nodeMessages.put(HandlerType.POST, ctx -> NodeRoutes.send(ctx, named(ctx)));
        route(r, "/nodes/{node}/messages", nodeMessages);
        route(r, "/nodes/{node}/messages/{id}", Map.of(HandlerType.GET, ctx -> NodeRoutes.message(ctx, named(ctx))));
        route(r, "/nodes/{node}/broadcast", Map.of(HandlerType.POST, ctx -> NodeRoutes.broadcast(ctx, named(ctx))));
        route(r, "/nodes/{node}/metrics", Map.of(HandlerType.GET, ctx -> NodeRoutes.metrics(ctx, named(ctx))));
        route(r, "/nodes/{node}/events", streams(ctx -> List.of(named(ctx))));
        WebView.routes(r); // a page, not part of the API: not in /openapi.json

        for (HandlerType method : METHODS) {
            r.addHttpHandler(method, "/<path>", ctx -> {
                throw new Refusal(404, "no such resource '" + ctx.path() + "'; " + served());
            });
        }
    }

    /**
     * {@code GET} opens an event stream of the nodes {@code scope} picks; {@code HEAD} answers what a GET would (406, 400,
     * 503 or 200 and its headers) without opening one.
     */
    private Map<HandlerType, io.javalin.http.Handler> streams(java.util.function.Function<Context, List<DemoNode>> scope) {
        Map<HandlerType, io.javalin.http.Handler> handlers = new LinkedHashMap<>();
        handlers.put(HandlerType.GET, ctx -> events.serve(ctx, scope.apply(ctx)));
        handlers.put(HandlerType.HEAD, ctx -> events.head(ctx, scope.apply(ctx)));
        return handlers;
    }

    /** A root resource of one node: served for the only node of a {@code node} process. */
    private void serve(RoutesConfig r, String path, HandlerType method, BiConsumer<Context, DemoNode> handler) {
        route(r, path, Map.of(method, ctx -> handler.accept(ctx, root(ctx))));
    }

    /**
     * Registers {@code handlers} on {@code path}, the GET handler for HEAD too (Jetty sends no body for HEAD), and 405
     * with {@code Allow} for every other method.
     */
    private void route(RoutesConfig r, String path, Map<HandlerType, io.javalin.http.Handler> handlers) {
        served.put(path, handlers.keySet().stream().filter(m -> m != HandlerType.HEAD).map(HandlerType::name).sorted().toList());
        Map<HandlerType, io.javalin.http.Handler> all = new LinkedHashMap<>(handlers);
        if (all.containsKey(HandlerType.GET)) {
            all.putIfAbsent(HandlerType.HEAD, all.get(HandlerType.GET));
        }
        List<String> allowed = new ArrayList<>();
        METHODS.stream().filter(all::containsKey).forEach(m -> allowed.add(m.name()));
        String allow = String.join(", ", allowed);
        for (HandlerType method : METHODS) {
            io.javalin.http.Handler h = all.get(method);
            r.addHttpHandler(method, path, h != null ? h : ctx -> {
                throw new Refusal(405, "method " + ctx.method().name() + " is not allowed here; use " + allow,
                        Map.of("Allow", allow));
            });
        }
    }

    private DemoNode root(Context ctx) {
        List<DemoNode> all = nodes.nodes();
        if (all.size() != 1) {
            throw new Refusal(404, "this process runs several nodes (" + nodes.ids() + "); ask one under /nodes/{id}"
                    + ctx.path());
        }
        return all.get(0);
    }

    private DemoNode named(Context ctx) {
        String id = ctx.pathParam("node");
        return nodes.nodes().stream().filter(n -> n.id().value().equals(id)).findFirst()
                .orElseThrow(() -> new Refusal(404, "no node '" + id + "' here; its nodes are " + nodes.ids()));
    }

    private String served() {
        return nodes.nodes().size() == 1
                ? "node " + nodes.nodes().get(0).id() + " serves " + String.join(", ", NODE_RESOURCES)
                : "this process serves /health, /metrics, /nodes and, for each node, /nodes/{id}" + String.join(", /nodes/{id}", NODE_RESOURCES);
    }

    private ArrayNode ids() {
        ArrayNode ids = Json.array();
        nodes.nodes().forEach(n -> ids.add(n.id().value()));
        return ids;
    }

    private void health(Context ctx) {
        List<DemoNode> all = nodes.nodes();
        if (all.size() == 1) {
            NodeRoutes.health(ctx, all.get(0));
        } else {
            json(ctx, 200, Json.object().put("status", "UP").set("nodes", ids()));
        }
    }

    /** One node's meters, or on {@code local} every node's in one exposition, told apart by their {@code node} label. */
    private void metrics(Context ctx) {
        List<NodeMetrics> all = nodes.nodes().stream().map(DemoNode::metrics).toList();
        String text = NodeMetrics.scrape(all) + events.scrape();
        ctx.status(200).contentType(NodeMetrics.CONTENT_TYPE).result(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Each path served and its methods but HEAD, as {@code /openapi.json} writes them ({@code /messages/{id}}). */
    Map<String, List<String>> routes() {
        return Map.copyOf(served);
    }

    /** Where it listens, {@code host:port}, with the port the system chose. */
    public String address() {
        ServerConnector c = (ServerConnector) app.jettyServer().server().getConnectors()[0];
        return hostPort(settings.host(), c.getLocalPort());
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The web view's URL; {@code withToken}, with the bearer token in its fragment (which a browser never sends to a
     * server, nor in a {@code Referer}), so that the page can open at once.
     */
    public String webViewUrl(boolean withToken) {
        return (secure() ? "https://" : "http://") + address() + WebView.PATH + (withToken ? "#token=" + settings.token() : "");
    }

    /** Whether it speaks HTTPS. */
    public boolean secure() {
        return settings.tls() != null;
    }

    /** Whether anyone beyond this machine may reach it. */
    public boolean reachableFromElsewhere() {
        return !Hosts.isLoopback(settings.host());
    }

    /** Stops taking requests, lets running ones finish for up to a second, and stops the threads. */
    @Override
    public void close() {
        events.close();
        try {
            app.stop();
        } catch (JavalinException e) {
            log.warn("the HTTP API did not stop gracefully within {} ms", STOP_MILLIS, e);
        }
    }
}
