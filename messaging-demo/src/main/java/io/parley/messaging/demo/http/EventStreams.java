package io.parley.messaging.demo.http;

import io.javalin.http.Context;
import io.javalin.http.sse.SseHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.parley.messaging.Message;
import io.parley.messaging.demo.http.HttpExchanges.Refusal;
import io.parley.messaging.demo.node.DemoNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /events} and {@code GET /nodes/{id}/events}: Server-Sent Events (Javalin's {@link SseHandler}), one
 * {@link EventStream} each, at most {@link HttpSettings#maxEventStreams()} at once; and their two meters,
 * {@code parley_http_event_streams} (open now) and {@code parley_http_event_streams_cut_total} (clients cut for reading
 * too slowly). Thread-safe.
 */
final class EventStreams implements AutoCloseable {

    static final String CONTENT_TYPE = "text/event-stream";

    private final EventFeed feed;
    private final HttpSettings settings;
    private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
    /** Streams open or being opened: what the cap counts. */
    private final AtomicInteger taken = new AtomicInteger();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter cuts;

    EventStreams(EventFeed feed, HttpSettings settings) {
        this.feed = feed;
        this.settings = settings;
        Gauge.builder("parley.http.event.streams", open, Set::size).description("Clients of GET /events now").register(registry);
        cuts = Counter.builder("parley.http.event.streams.cut")
                .description("Clients of GET /events cut off because they read too slowly").register(registry);
    }

    /** Opens a stream of {@code nodes}' events to the client of {@code ctx}, or refuses it. */
    void serve(Context ctx, List<DemoNode> nodes) {
        String resumeFrom = resumeFrom(ctx);
        Optional<Message> resumeAfter = checked(ctx, nodes, resumeFrom);
        if (taken.incrementAndGet() > settings.maxEventStreams()) {
            taken.decrementAndGet();
            throw full();
        }
        try {
            new SseHandler(client -> {
                client.keepAlive();
                EventStream s = new EventStream(client, feed, nodes, resumeFrom, resumeAfter, settings.eventBuffer(),
                        heartbeat(), this);
                open.add(s);
                s.start();
            }).handle(ctx);
        } catch (RuntimeException e) {
            taken.decrementAndGet();
            throw e;
        }
    }

    /**
     * {@code HEAD}: the status and headers a {@code GET} would get now, without opening a stream: 406 without the
     * {@code Accept} header, 400 for a {@code Last-Event-ID} this API did not give, 503 with {@code Retry-After} while
     * every stream is taken, else 200 with the stream's {@code Content-Type}. (A GET right after may still find the cap
     * reached by then: HEAD takes no slot.)
     */
    void head(Context ctx, List<DemoNode> nodes) {
        checked(ctx, nodes, resumeFrom(ctx));
        if (taken.get() >= settings.maxEventStreams()) {
            throw full();
        }
        // as Javalin's SseHandler sets them for a GET (but Connection: close: a HEAD ends, the connection may be reused)
        ctx.status(200);
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setContentType(CONTENT_TYPE);
        ctx.header("Cache-Control", "no-cache");
    }

    private static String resumeFrom(Context ctx) {
        String last = ctx.header("Last-Event-ID");
        return last == null || last.isBlank() ? null : last.trim();
    }

    /** What is checked before a stream opens: the {@code Accept} header, and the row {@code Last-Event-ID} names. */
    private static Optional<Message> checked(Context ctx, List<DemoNode> nodes, String resumeFrom) {
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains(CONTENT_TYPE)) {
            throw new Refusal(406, "this is a stream of Server-Sent Events: send Accept: " + CONTENT_TYPE);
        }
        if (resumeFrom == null || resumeFrom.equals(EventId.START)) {
            return Optional.empty();
        }
        EventId id;
        try {
            id = EventId.parse(resumeFrom);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, e.getMessage());
        }
        return Optional.of(Replay.row(nodes, id).orElseThrow(() -> new Refusal(400, "Last-Event-ID '" + resumeFrom
                + "' names no row of this stream's stores; reconnect without it, or with 0 to replay every row")));
    }

    private Refusal full() {
        return new Refusal(503, "already " + settings.maxEventStreams() + " event streams open; try again later",
                Map.of("Retry-After", "5"));
    }

    /** A comment on an idle stream well within the idle timeout, so the connection is not closed under it. */
    private Duration heartbeat() {
        Duration half = settings.idleTimeout().dividedBy(2);
        return half.compareTo(HttpSettings.DEFAULT_EVENT_HEARTBEAT) < 0 ? half : HttpSettings.DEFAULT_EVENT_HEARTBEAT;
    }

    void cut() {
        cuts.increment();
    }

    void ended(EventStream s) {
        if (open.remove(s)) {
            taken.decrementAndGet();
        }
    }

    /** The two meters in the Prometheus text format. */
    String scrape() {
        return registry.scrape();
    }

    /** Ends every stream. */
    @Override
    public void close() {
        open.forEach(EventStream::close);
        registry.close();
    }
}
