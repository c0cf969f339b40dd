package io.parley.messaging.demo.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.demo.events.HistoryRows;
import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.http.EventFeed.Event;
import io.parley.messaging.demo.node.DemoNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The message events an event stream missed, read back from the stores: every row after a position, in the stores'
 * order (hybrid logical clock, then id), across the nodes a stream covers, as the event its state stands for:
 * {@code received}, {@code delivered} (without {@code rtt_micros}, which is not stored), {@code failed} (EXPIRED or
 * REJECTED, with that as its {@code error}). A sent message still PENDING had no event yet and is left out. Each
 * replayed event has {@code "replayed": true}. Reads the stores on the calling thread (blocking).
 */
final class Replay {

    /** Most rows one reconnect replays. */
    static final int MAX_ROWS = 10_000;

    private static final Comparator<Message> STORE_ORDER = Comparator.comparing(Message::hlc).thenComparing(Message::id);

    private Replay() {
    }

    /** The row {@code id} names, if one of {@code nodes} holds it. */
    static Optional<Message> row(List<DemoNode> nodes, EventId id) {
        return nodes.stream().filter(n -> n.id().equals(id.node())).findFirst()
                .flatMap(n -> n.message(id.message(), Optional.of(id.peer())));
    }

    /** The id of the newest row of {@code nodes}, or {@link EventId#START} when their stores are empty. */
    static String newest(List<DemoNode> nodes) {
        Message newest = null;
        DemoNode holder = null;
        for (DemoNode n : nodes) {
            List<Message> last = n.node().history(HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST).limit(1).build());
            if (!last.isEmpty() && (newest == null || STORE_ORDER.compare(last.get(0), newest) > 0)) {
                newest = last.get(0);
                holder = n;
            }
        }
        return newest == null ? EventId.START : new EventId(holder.id(), newest.peer(), newest.id()).toString();
    }

    /** The events of the rows after {@code after} (every row when empty), oldest first, at most {@link #MAX_ROWS}. */
    static List<Event> after(List<DemoNode> nodes, Optional<Message> after) {
        record Row(DemoNode node, Message m) {
        }
        List<Row> rows = new ArrayList<>();
        for (DemoNode n : nodes) {
            HistoryQuery.Builder q = HistoryQuery.builder().limit(MAX_ROWS);
            after.ifPresent(q::after);
            n.node().history(q.build()).forEach(m -> rows.add(new Row(n, m)));
        }
        rows.sort(Comparator.comparing(Row::m, STORE_ORDER));
        List<Event> events = new ArrayList<>();
        for (Row r : rows) {
            String type = type(r.m());
            if (type != null && events.size() < MAX_ROWS) {
                events.add(event(r.node(), r.m(), type));
            }
        }
        return events;
    }

    private static String type(Message m) {
        if (m.direction() == Direction.RECEIVED) {
            return "received";
        }
        if (m.status() == DeliveryStatus.DELIVERED) {
            return "delivered";
        }
        return m.status() == DeliveryStatus.EXPIRED || m.status() == DeliveryStatus.REJECTED ? "failed" : null;
    }

    private static Event event(DemoNode node, Message m, String type) {
        ObjectNode e = Json.object().put("event", type).put("node", node.id().value());
        e.setAll(HistoryRows.json(m));
        if (type.equals("delivered")) {
            e.putNull("rtt_micros");
        } else if (type.equals("failed")) {
            e.put("error", "the message is " + m.status());
        }
        e.put("replayed", true);
        return new Event(node.id(), type, new EventId(node.id(), m.peer(), m.id()), Json.line(e));
    }
}
