package io.parley.messaging.demo.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.HybridTimestamp;
import java.util.Locale;
import java.util.UUID;

/**
 * A stored message as one row, the same for the {@code history} command, the console's {@code /history}, the
 * {@code --json} events and the HTTP API: {@code id}, {@code direction} ({@code sent} or {@code received}),
 * {@code peer}, {@code status}, {@code sender_time} and {@code receiver_time} (ISO-8601 to the microsecond, UTC;
 * null while unknown), {@code hlc} (the sender's hybrid logical clock at send: {@code wall_time}, ISO-8601 as above, and
 * {@code logical}, the counter that orders events within one microsecond; null in a row made from a receipt, which does
 * not carry it) and {@code text}.
 */
public final class HistoryRows {

    /** Heading of {@link #text(Message)} columns. */
    public static final String HEADER = String.format(Locale.ROOT, "%-36s  %-8s  %-10s  %-9s  %-27s  %-27s  %s",
            "ID", "DIR", "PEER", "STATUS", "SENDER CLOCK (UTC)", "RECEIVER CLOCK (UTC)", "TEXT");

    private HistoryRows() {
    }

    /** The row of a stored message. */
    public static ObjectNode json(Message m) {
        return row(m.id(), m.direction(), m.peer(), m.status(), m.senderTimeMicros(), m.receiverTimeMicros(), m.hlc(), m.text());
    }

    /** The row of a sent message its receipt settled, as it now stands in the store. */
    static ObjectNode json(Receipt r, String text) {
        return row(r.messageId(), Direction.SENT, r.peer(), r.status(), r.senderTimeMicros(), r.receiverTimeMicros(), null, text);
    }

    /** The row of a message that could not be sent: no id if it was never stored, no status if it is not in the store. */
    static ObjectNode json(UUID id, NodeId peer, DeliveryStatus status, String text) {
        return row(id, Direction.SENT, peer, status, Message.UNKNOWN_TIME, Message.UNKNOWN_TIME, null, text);
    }

    private static ObjectNode row(UUID id, Direction direction, NodeId peer, DeliveryStatus status, long senderMicros,
                                  long receiverMicros, HybridTimestamp hlc, String text) {
        ObjectNode row = Json.object();
        row.put("id", id == null ? null : id.toString());
        row.put("direction", direction(direction));
        row.put("peer", peer.value());
        row.put("status", status == null ? null : status.name());
        row.put("sender_time", Times.isoMicros(senderMicros));
        row.put("receiver_time", Times.isoMicros(receiverMicros));
        if (hlc == null) {
            row.putNull("hlc");
        } else {
            row.set("hlc", Json.object().put("wall_time", Times.isoMicros(hlc.wallMicros())).put("logical", hlc.logical()));
        }
        row.put("text", text);
        return row;
    }

    /** {@code sent} or {@code received}. */
    static String direction(Direction d) {
        return d.name().toLowerCase(Locale.ROOT);
    }

    /** One line under {@link #HEADER}; control characters in the text are shown escaped, so a row stays one line. */
    public static String text(Message m) {
        String receiver = Times.isoMicros(m.receiverTimeMicros());
        return String.format(Locale.ROOT, "%-36s  %-8s  %-10s  %-9s  %-27s  %-27s  %s", m.id(), direction(m.direction()), m.peer(),
                m.status(), Times.isoMicros(m.senderTimeMicros()), receiver == null ? "-" : receiver, printable(m.text()));
    }

    /** {@code text} with line breaks and other control characters escaped. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
