package io.parley.messaging.demo.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.WallClock;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * Events as JSON Lines for scripts: one object per line, {@code event} first and the node it happened on next, then
 * the fields of a {@link HistoryRows history row} (for {@code received}, {@code delivered}, {@code failed} and
 * {@code history}) or of a {@link PeerRows peer row} (for {@code peer} and {@code peer_status}). {@code delivered}
 * adds {@code rtt_micros}, the delivery time the console shows as "delivered in" ({@link Receipt#roundTrip()}: last
 * transmission to acknowledgement, the receiver's store write included; not the network round trip of a peer row's
 * {@code rtt_micros}; the name is kept for compatibility); {@code failed} adds {@code error}. Notices for people go to the other stream.
 */
public final class JsonEvents implements EventSink {

    private final Out out;
    private final Out notices;

    public JsonEvents(Out out, Out notices) {
        this.out = out;
        this.notices = notices;
    }

    private static ObjectNode event(String event, NodeId node) {
        ObjectNode e = Json.object().put("event", event);
        if (node != null) {
            e.put("node", node.value());
        }
        return e;
    }

    @Override
    public void listening(NodeId node, String address, Path store) {
        out.line(Json.line(event("listening", node).put("address", address).put("store", store.toString())));
    }

    @Override
    public void http(String address, Path tokenFile) {
        out.line(Json.line(event("http", null).put("address", address).put("token_file", tokenFile.toString())));
    }

    @Override
    public void received(NodeId node, Message m) {
        out.line(Json.line(event("received", node).setAll(HistoryRows.json(m))));
    }

    @Override
    public void delivered(NodeId node, Receipt r, String text) {
        ObjectNode e = event("delivered", node).setAll(HistoryRows.json(r, text));
        out.line(Json.line(e.put("rtt_micros", WallClock.toMicros(r.roundTrip()))));
    }

    @Override
    public void failed(NodeId node, NodeId peer, UUID id, DeliveryStatus status, String text, String reason) {
        ObjectNode e = event("failed", node).setAll(HistoryRows.json(id, peer, status, text));
        out.line(Json.line(e.put("error", reason)));
    }

    @Override
    public void peer(NodeId node, PeerInfo info) {
        out.line(Json.line(event("peer", node).setAll(PeerRows.json(info))));
    }

    @Override
    public void history(NodeId node, List<Message> rows) {
        rows.forEach(m -> out.line(Json.line(event("history", node).setAll(HistoryRows.json(m)))));
    }

    @Override
    public void peers(NodeId node, List<PeerInfo> peers) {
        peers.forEach(p -> out.line(Json.line(event("peer_status", node).setAll(PeerRows.json(p)))));
    }

    @Override
    public void info(String text) {
        notices.line(text);
    }

    @Override
    public void error(String text) {
        out.line(Json.line(event("error", null).put("message", text)));
    }

    @Override
    public void drained(long pending, long waitedMillis) {
        out.line(Json.line(event("drained", null).put("pending", pending).put("waited_millis", waitedMillis)));
    }
}
