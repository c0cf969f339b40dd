package io.parley.messaging.demo.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.clock.WallClock;
import java.time.Duration;
import java.util.Locale;

/**
 * What a node knows of one peer, as one row for {@code /peers}, {@code peer} events and {@code GET /peers}:
 * {@code id}, {@code address} ({@code host:port}, or null if it only dialled in), {@code state} ({@code UP},
 * {@code SUSPECT}, {@code DOWN}, {@code LEFT}, or {@code FORGOTTEN} in the last event of a peer the node
 * forgot), {@code rtt_micros}, {@code clock_offset_micros} (its clock minus
 * this node's), {@code last_seen} (ISO-8601 to the microsecond, UTC; null if never) and {@code last_error}.
 */
public final class PeerRows {

    /** Heading of {@link #text(PeerInfo)} columns. */
    static final String HEADER = String.format(Locale.ROOT, "%-10s  %-7s  %-22s  %10s  %13s  %s",
            "PEER", "STATE", "ADDRESS", "RTT (ms)", "OFFSET (ms)", "LAST SEEN (UTC, THIS NODE'S CLOCK)");

    private PeerRows() {
    }

    public static ObjectNode json(PeerInfo p) {
        ObjectNode row = Json.object();
        row.put("id", p.id().value());
        row.put("address", p.address().orElse(null));
        row.put("state", p.state().name());
        row.put("rtt_micros", WallClock.toMicros(p.roundTrip()));
        row.put("clock_offset_micros", WallClock.toMicros(p.clockOffset()));
        row.put("last_seen", Times.isoMicros(p.lastSeen()));
        row.put("last_error", p.lastError().orElse(null));
        return row;
    }

    static String text(PeerInfo p) {
        String seen = Times.isoMicros(p.lastSeen());
        return String.format(Locale.ROOT, "%-10s  %-7s  %-22s  %10s  %13s  %s", p.id(), p.state(), p.address().orElse("-"),
                millis(p.roundTrip()), signedMillis(p.clockOffset()), seen == null ? "never" : seen)
                + p.lastError().map(e -> "  (" + e + ")").orElse("");
    }

    static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.2f", d.toNanos() / 1e6);
    }

    static String signedMillis(Duration d) {
        return String.format(Locale.ROOT, "%+.2f", d.toNanos() / 1e6);
    }
}
