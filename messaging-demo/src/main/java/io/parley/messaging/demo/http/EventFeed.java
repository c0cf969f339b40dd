package io.parley.messaging.demo.http;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import io.parley.messaging.demo.events.EventSink;
import io.parley.messaging.demo.events.JsonEvents;
import io.parley.messaging.demo.events.Out;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The events of the nodes, for {@code GET /events} as well as for the console: an {@link EventSink} that passes
 * everything on to the sink it wraps, and hands each {@code received}, {@code delivered}, {@code failed} and
 * {@code peer} event, rendered by {@link JsonEvents} exactly as {@code --json} prints it, to every subscriber. Called
 * from the nodes' threads; a subscriber must not block (an {@link EventStream} only puts the event in its buffer).
 */
public final class EventFeed implements EventSink {

    /** One event as a stream sends it: its SSE type, the row it is about (null for a peer, or a send never stored) and its JSON. */
    record Event(NodeId node, String type, EventId id, String json) {
        /** What tells this event from a replayed one about the same row. */
        String key() {
            return type + " " + id;
        }
    }

    private final EventSink delegate;
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();

    /** A feed that passes every event on to {@code delegate} too. */
    public EventFeed(EventSink delegate) {
        this.delegate = delegate;
    }

    void subscribe(Consumer<Event> subscriber) {
        subscribers.add(subscriber);
    }

    void unsubscribe(Consumer<Event> subscriber) {
        subscribers.remove(subscriber);
    }

    private void publish(NodeId node, String type, EventId id, Consumer<JsonEvents> render) {
        if (subscribers.isEmpty()) {
            return;
        }
        String[] line = new String[1];
        Out capture = text -> line[0] = text;
        render.accept(new JsonEvents(capture, capture));
        Event e = new Event(node, type, id, line[0]);
        subscribers.forEach(s -> s.accept(e));
    }

    @Override
    public void received(NodeId node, Message m) {
        delegate.received(node, m);
        publish(node, "received", new EventId(node, m.peer(), m.id()), j -> j.received(node, m));
    }

    @Override
    public void delivered(NodeId node, Receipt receipt, String text) {
        delegate.delivered(node, receipt, text);
        publish(node, "delivered", new EventId(node, receipt.peer(), receipt.messageId()), j -> j.delivered(node, receipt, text));
    }

    @Override
    public void delivered(NodeId node, Receipt receipt, String text, Duration sinceSend) {
        delegate.delivered(node, receipt, text, sinceSend);
        publish(node, "delivered", new EventId(node, receipt.peer(), receipt.messageId()), j -> j.delivered(node, receipt, text));
    }

    @Override
    public void queued(NodeId node, NodeId peer, PeerState state) {
        delegate.queued(node, peer, state); // for people at the console; not an event of /events
    }

    @Override
    public void failed(NodeId node, NodeId peer, UUID id, DeliveryStatus status, String text, String reason) {
        delegate.failed(node, peer, id, status, text, reason);
        publish(node, "failed", id == null ? null : new EventId(node, peer, id), j -> j.failed(node, peer, id, status, text, reason));
    }

    @Override
    public void peer(NodeId node, PeerInfo info) {
        delegate.peer(node, info);
        publish(node, "peer", null, j -> j.peer(node, info));
    }

    @Override
    public void listening(NodeId node, String address, Path store) {
        delegate.listening(node, address, store);
    }

    @Override
    public void http(String address, Path tokenFile) {
        delegate.http(address, tokenFile);
    }

    @Override
    public void history(NodeId node, List<Message> rows) {
        delegate.history(node, rows);
    }

    @Override
    public void peers(NodeId node, List<PeerInfo> peers) {
        delegate.peers(node, peers);
    }

    @Override
    public void info(String text) {
        delegate.info(text);
    }

    @Override
    public void error(String text) {
        delegate.error(text);
    }

    @Override
    public void drained(long pending, long waitedMillis) {
        delegate.drained(pending, waitedMillis);
    }
}
