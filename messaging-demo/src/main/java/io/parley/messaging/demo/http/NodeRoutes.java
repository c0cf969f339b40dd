package io.parley.messaging.demo.http;

import static io.parley.messaging.demo.http.HttpExchanges.body;
import static io.parley.messaging.demo.http.HttpExchanges.json;
import static io.parley.messaging.demo.http.HttpExchanges.limit;
import static io.parley.messaging.demo.http.HttpExchanges.nodeId;
import static io.parley.messaging.demo.http.HttpExchanges.query;
import static io.parley.messaging.demo.http.HttpExchanges.refusal;
import static io.parley.messaging.demo.http.HttpExchanges.string;
import static io.parley.messaging.demo.http.HttpExchanges.text;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.parley.messaging.BroadcastSubmission;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.StoreHealth;
import io.parley.messaging.Submission;
import io.parley.messaging.demo.events.HistoryRows;
import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.events.PeerRows;
import io.parley.messaging.demo.http.HttpExchanges.Refusal;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.NodeMetrics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** What one node answers, at the root of a {@code node} process or under {@code /nodes/{id}}: one method a route. */
final class NodeRoutes {

    /** Rows {@code GET /messages} returns when no {@code limit} is given. */
    static final int DEFAULT_LIMIT = 100;

    private NodeRoutes() {
    }

    /** Longest {@code POST /messages?wait=stored} waits for the local commit. */
    static final int STORED_WAIT_SECONDS = 10;

    static void health(Context ctx, DemoNode node) {
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
        json(ctx, 200, body);
    }

    static void peers(Context ctx, DemoNode node) {
        ArrayNode rows = Json.array();
        node.peers().forEach(p -> rows.add(PeerRows.json(p)));
        json(ctx, 200, rows);
    }

    static void metrics(Context ctx, DemoNode node) {
        ctx.status(200).contentType(NodeMetrics.CONTENT_TYPE).result(node.metrics().scrape().getBytes(StandardCharsets.UTF_8));
    }

    static void listMessages(Context ctx, DemoNode node) {
        Map<String, String> query = query(ctx, Set.of("peer", "limit"));
        Optional<NodeId> peer = peer(node, query.get("peer"));
        int limit = query.containsKey("limit") ? limit(query.get("limit")) : DEFAULT_LIMIT;
        ArrayNode rows = Json.array();
        node.latest(peer, limit).forEach(m -> rows.add(HistoryRows.json(m)));
        json(ctx, 200, rows);
    }

    static void message(Context ctx, DemoNode node) {
        Map<String, String> query = query(ctx, Set.of("peer"));
        Optional<NodeId> peer = peer(node, query.get("peer"));
        String id = ctx.pathParam("id");
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "'" + id + "' is not a message id; ids are UUIDs, as POST /messages returns them");
        }
        Message m = node.message(messageId, peer)
                .orElseThrow(() -> new Refusal(404, "node " + node.id() + " holds no message " + messageId));
        json(ctx, 200, HistoryRows.json(m));
    }

    /**
     * 202 with the id once the message is accepted (queued for this node's store: lost if the process dies before
     * the next commit); with {@code ?wait=stored}, 202 only once this node's store has committed it (it then
     * survives a crash and is sent until the peer has it), or 503 with {@code Retry-After} if that does not happen
     * within {@link #STORED_WAIT_SECONDS} s. The wait holds one of the API's worker threads.
     */
    static void send(Context ctx, DemoNode node) {
        String wait = query(ctx, Set.of("wait")).getOrDefault("wait", "");
        if (!wait.isEmpty() && !wait.equals("stored")) {
            throw new Refusal(400, "wait must be 'stored' (answer once this node has stored the message), got '" + wait + "'");
        }
        ObjectNode body = body(ctx, Set.of("to", "text"));
        NodeId to = nodeId(string(body, "to"));
        Submission s = node.send(to, text(body));
        UUID id = s.messageId().orElseThrow(() -> refusal(s.receipt()));
        ctx.header("Location", "messages/" + id);
        if (wait.isEmpty()) {
            json(ctx, 202, Json.object().put("id", id.toString()));
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
        json(ctx, 202, Json.object().put("id", id.toString()).put("stored", true));
    }

    static void broadcast(Context ctx, DemoNode node) {
        ObjectNode body = body(ctx, Set.of("text"));
        BroadcastSubmission b = node.broadcast(text(body));
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
        json(ctx, 202, answer);
    }

    /**
     * The {@code peer} parameter: none when absent or empty, 422 when the node does not know it, as {@code POST /messages}
     * answers a send to an unknown peer.
     */
    private static Optional<NodeId> peer(DemoNode node, String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        NodeId peer = nodeId(value);
        List<PeerInfo> known = node.peers();
        if (known.stream().noneMatch(p -> p.id().equals(peer))) {
            throw new Refusal(422, "unknown peer '" + peer + "': node " + node.id() + " knows "
                    + (known.isEmpty() ? "no peers" : known.stream().map(p -> p.id().value()).collect(Collectors.joining(", "))));
        }
        return Optional.of(peer);
    }
}
