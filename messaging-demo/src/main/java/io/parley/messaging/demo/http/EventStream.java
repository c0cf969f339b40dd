package io.parley.messaging.demo.http;

import io.javalin.http.sse.SseClient;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.demo.http.EventFeed.Event;
import io.parley.messaging.demo.node.DemoNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of {@code GET /events}: the nodes' events go into a bounded buffer (the nodes' threads never wait for a
 * client), and a thread of its own writes them out, after the rows a {@code Last-Event-ID} missed. A client that reads
 * too slowly fills its buffer and is cut: its connection is closed, with a log line and {@link EventStreams}' count.
 *
 * <p>The writer thread owns the {@link SseClient}; {@link #accept} and {@link #cut} may run on any thread.
 */
final class EventStream implements Consumer<Event>, Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);

    private final SseClient client;
    private final EventFeed feed;
    private final List<DemoNode> nodes;
    private final Set<NodeId> scope = new HashSet<>();
    private final Optional<Message> resumeAfter;
    private final String resumeFrom;
    private final BlockingQueue<Event> buffer;
    private final int capacity;
    private final Duration heartbeat;
    private final EventStreams owner;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String cutReason;
    /** The id of the last event written: what an event that is about no row repeats. Writer thread only. */
    private String position;

    /**
     * A stream of {@code nodes}' events; resumed from {@code resumeFrom} (a {@code Last-Event-ID}, or null), first the
     * rows after {@code resumeAfter}, the row it names (all rows if it is empty).
     */
    EventStream(SseClient client, EventFeed feed, List<DemoNode> nodes, String resumeFrom, Optional<Message> resumeAfter,
            int bufferEvents, Duration heartbeat, EventStreams owner) {
        this.client = client;
        this.feed = feed;
        this.nodes = nodes;
        nodes.forEach(n -> scope.add(n.id()));
        this.resumeFrom = resumeFrom;
        this.capacity = bufferEvents;
        this.resumeAfter = resumeAfter;
        this.buffer = new ArrayBlockingQueue<>(bufferEvents);
        this.heartbeat = heartbeat;
        this.owner = owner;
    }

    /** Starts listening and the writer thread. */
    void start() {
        feed.subscribe(this);
        Thread t = new Thread(this, "parley-http-events-" + client.ctx().req().getRemotePort());
        t.setDaemon(true);
        t.start();
    }

    /** An event of the feed: buffered if it is one of this stream's nodes', or the client is cut when the buffer is full. */
    @Override
    public void accept(Event e) {
        if (scope.contains(e.node()) && !buffer.offer(e)) {
            cut("its buffer of " + capacity + " events is full: it reads too slowly");
        }
    }

    @Override
    public void run() {
        try {
            Set<String> replayed = new HashSet<>();
            boolean resume = resumeFrom != null;
            if (resume) {
                position = resumeFrom;
                for (Event e : Replay.after(nodes, resumeAfter)) {
                    send(e);
                    replayed.add(e.key());
                }
            } else {
                position = Replay.newest(nodes);
            }
            client.sendComment("streaming " + (resume ? "after " + replayed.size() + " replayed events" : "from " + position));
            while (!ended.get() && !client.terminated()) {
                Event e = buffer.poll(heartbeat.toNanos(), TimeUnit.NANOSECONDS);
                if (cutReason != null) {
                    break;
                }
                if (e == null) {
                    client.sendComment("keep-alive");
                } else if (!replayed.remove(e.key())) {
                    send(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("event stream to {} failed", remote(), e);
        } finally {
            end();
        }
    }

    private void send(Event e) {
        if (e.id() != null) {
            position = e.id().toString();
        }
        client.sendEvent(e.type(), e.json(), position);
    }

    /** Cuts the client off: closes its connection, so that the writer, blocked or not, ends. Once. */
    void cut(String reason) {
        if (cutReason != null || ended.get()) {
            return;
        }
        cutReason = reason;
        log.warn("event stream to {} cut: {}", remote(), reason);
        owner.cut();
        abort();
    }

    /** Ends the stream from the server's side (the API closes). */
    void close() {
        ended.set(true);
        abort();
    }

    private void abort() {
        try {
            ServletContextRequest.getServletContextRequest(client.ctx().req()).getConnectionMetaData().getConnection()
                    .getEndPoint().close();
        } catch (RuntimeException e) {
            log.debug("closing the event stream to {} failed", remote(), e);
        }
    }

    private void end() {
        feed.unsubscribe(this);
        ended.set(true);
        try {
            client.close();
        } catch (RuntimeException e) {
            log.debug("closing the event stream to {} failed", remote(), e);
        }
        owner.ended(this);
    }

    private String remote() {
        try {
            return client.ctx().req().getRemoteAddr() + ":" + client.ctx().req().getRemotePort();
        } catch (RuntimeException e) {
            return "a client";
        }
    }
}
