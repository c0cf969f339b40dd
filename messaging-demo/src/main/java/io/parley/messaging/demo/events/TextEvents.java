package io.parley.messaging.demo.events;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Events and answers for people, one line each, prefixed with the node they happened on:
 *
 * <pre>
 * [n2] ← n1  n1 clock 10:15:02.123  hello                  received: sender, the sender's clock (local time), the text
 * [n1] ✓ n2  n2 clock 10:15:02.125  delivered in 1.42 ms   delivered: the receiver's clock, the delivery time
 * </pre>
 *
 * The delivery time is the receipt's {@link Receipt#roundTrip()}: from the message's last transmission to its
 * acknowledgement, so the network both ways and the receiver storing the message before it acknowledges. It is not
 * the network round trip of {@code /peers} and the {@code peer} lines (the clock probes', nothing stored).
 *
 * Where standard output cannot show those marks, ASCII stands in for them.
 */
public final class TextEvents implements EventSink {

    private static final int SHOWN_TEXT = 60;
    /** A delivery that waited this long for its peer says so. */
    static final Duration NOTICEABLE_WAIT = Duration.ofSeconds(1);

    private final Out out;
    private final String receivedMark;
    private final String deliveredMark;
    private final String failedMark;

    public TextEvents(Out out, boolean unicode) {
        this.out = out;
        this.receivedMark = unicode ? "←" : "<-";
        this.deliveredMark = unicode ? "✓" : "ok";
        this.failedMark = unicode ? "✗" : "!!";
    }

    @Override
    public void listening(NodeId node, String address, Path store) {
        out.line("[" + node + "] listening on " + address + ", messages kept in " + store);
    }

    @Override
    public void http(String address, Path tokenFile) {
        out.line("HTTP API on http://" + address + "/ (send 'Authorization: Bearer TOKEN', the token in " + tokenFile + ")");
    }

    @Override
    public void received(NodeId node, Message m) {
        out.line("[" + node + "] " + receivedMark + " " + m.sender() + "  " + clock(m.sender(), m.senderTimeMicros()) + "  "
                + HistoryRows.printable(m.text()));
    }

    @Override
    public void delivered(NodeId node, Receipt r, String text) {
        delivered(node, r, text, r.roundTrip());
    }

    @Override
    public void delivered(NodeId node, Receipt r, String text, Duration sinceSend) {
        Duration waited = sinceSend.minus(r.roundTrip());
        String wait = waited.compareTo(NOTICEABLE_WAIT) >= 0
                ? String.format(Locale.ROOT, " after waiting %.1f s for %s", waited.toMillis() / 1e3, r.peer()) : "";
        out.line(String.format(Locale.ROOT, "[%s] %s %s  %s  delivered in %.2f ms%s  %s", node, deliveredMark, r.peer(),
                clock(r.peer(), r.receiverTimeMicros()), r.roundTrip().toNanos() / 1e6, wait, shorten(text)));
    }

    @Override
    public void queued(NodeId node, NodeId peer, PeerState state) {
        String until = state == PeerState.SUSPECT ? " answers again" : " returns";
        out.line("[" + node + "] queued for " + peer + ", which is " + state + "; it will be delivered when " + peer + until);
    }

    @Override
    public void failed(NodeId node, NodeId peer, UUID id, DeliveryStatus status, String text, String reason) {
        String kept = status == DeliveryStatus.PENDING ? " (kept in the store; sent when the node runs again)" : "";
        out.line("[" + node + "] " + failedMark + " " + peer + "  " + reason + kept + "  " + shorten(text));
    }

    @Override
    public void peer(NodeId node, PeerInfo p) {
        String where = p.address().map(a -> " at " + a).orElse("");
        String line = "[" + node + "] peer " + p.id() + " " + p.state() + where;
        if (p.state() == PeerState.UP) {
            line += p.roundTrip().isZero() ? "" : "  network rtt " + PeerRows.millis(p.roundTrip()) + " ms";
        } else if (p.lastError().isPresent()) {
            line += ": " + p.lastError().get() + "; retrying in the background";
        }
        out.line(line);
    }

    @Override
    public void history(NodeId node, List<Message> rows) {
        if (rows.isEmpty()) {
            out.line("[" + node + "] no messages");
            return;
        }
        out.line(HistoryRows.HEADER);
        rows.forEach(m -> out.line(HistoryRows.text(m)));
    }

    @Override
    public void peers(NodeId node, List<PeerInfo> peers) {
        if (peers.isEmpty()) {
            out.line("[" + node + "] knows no peers yet");
            return;
        }
        out.line(PeerRows.HEADER);
        peers.forEach(p -> out.line(PeerRows.text(p)));
    }

    @Override
    public void info(String text) {
        out.line(text);
    }

    @Override
    public void error(String text) {
        out.line("error: " + text);
    }

    @Override
    public void drained(long pending, long waitedMillis) {
        if (pending == 0) {
            out.line("every message has its receipt");
        } else {
            out.line(pending + " message" + (pending == 1 ? "" : "s") + " still pending after " + waitedMillis
                    + " ms; they stay in the store and are sent when the node runs again");
        }
    }

    /** A clock reading with whose clock it is: {@code n1 clock 10:15:02.123}. */
    private static String clock(NodeId whose, long epochMicros) {
        return whose + " clock " + Times.localMillis(epochMicros);
    }

    private static String shorten(String text) {
        String p = HistoryRows.printable(text);
        return p.length() <= SHOWN_TEXT ? p : p.substring(0, SHOWN_TEXT - 1) + "…";
    }
}
