package io.parley.messaging.demo.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The one row format of history, events and the HTTP API, and the peer row. */
class RowsTest {

    private static final UUID ID = UUID.fromString("01a21341-e3ee-77b2-a212-a843d43eaa8c");
    /** 2026-11-25T15:10:15.022547Z. */
    private static final long SENT_MICROS = 1_795_619_415_022_547L;

    @Test
    void aStoredMessageIsARowWithBothClocksToTheMicrosecondInUtc() {
        Message m = new Message(ID, NodeId.of("n1"), NodeId.of("n2"), Direction.SENT, DeliveryStatus.DELIVERED, 7, 1,
                SENT_MICROS, SENT_MICROS + 1_001, new HybridTimestamp(SENT_MICROS, 0), "hi\nthere".getBytes(StandardCharsets.UTF_8));

        JsonNode row = HistoryRows.json(m);

        assertThat(fieldNames(row)).containsExactly("id", "direction", "peer", "status", "sender_time", "receiver_time", "hlc", "text");
        assertThat(row.get("id").asText()).isEqualTo(ID.toString());
        assertThat(row.get("direction").asText()).isEqualTo("sent");
        assertThat(row.get("peer").asText()).isEqualTo("n2");
        assertThat(row.get("status").asText()).isEqualTo("DELIVERED");
        assertThat(row.get("sender_time").asText()).isEqualTo("2026-11-25T15:10:15.022547Z");
        assertThat(row.get("receiver_time").asText()).isEqualTo("2026-11-25T15:10:15.023548Z");
        assertThat(row.get("hlc").get("wall_time").asText()).isEqualTo("2026-11-25T15:10:15.022547Z");
        assertThat(row.get("hlc").get("logical").asInt()).isZero();
        assertThat(row.get("text").asText()).isEqualTo("hi\nthere");
        assertThat(HistoryRows.text(m)).contains("sent", "n2", "DELIVERED", "2026-11-25T15:10:15.022547Z", "hi\\nthere")
                .doesNotContain("\n");
    }

    @Test
    void aPendingMessageHasNoReceiverTimeAndAReceiptRowIsTheStoredRow() {
        Message pending = new Message(ID, NodeId.of("n1"), NodeId.of("n2"), Direction.SENT, DeliveryStatus.PENDING, 7, 1,
                SENT_MICROS, Message.UNKNOWN_TIME, new HybridTimestamp(SENT_MICROS, 0), new byte[0]);
        assertThat(HistoryRows.json(pending).get("receiver_time").isNull()).isTrue();

        Receipt r = new Receipt(ID, NodeId.of("n2"), SENT_MICROS, SENT_MICROS + 1_001, Duration.ofMillis(2), DeliveryStatus.DELIVERED);
        Message delivered = pending.withDelivery(DeliveryStatus.DELIVERED, SENT_MICROS + 1_001);
        // the receipt carries no hybrid clock: its row is the stored row but for that
        ObjectNode receiptRow = HistoryRows.json(r, "");
        ObjectNode storedRow = HistoryRows.json(delivered);
        assertThat(receiptRow.get("hlc").isNull()).isTrue();
        assertThat(storedRow.get("hlc").get("logical").asInt()).isZero();
        receiptRow.remove("hlc");
        storedRow.remove("hlc");
        assertThat(receiptRow).isEqualTo(storedRow);
    }

    @Test
    void aPeerRowHasItsStateRoundTripOffsetAndLastSeen() {
        PeerInfo p = new PeerInfo(NodeId.of("n2"), Optional.of("127.0.0.1:7002"), PeerState.UP,
                Instant.parse("2026-11-25T15:10:15.000001Z"), Duration.ofNanos(1_234_567), Duration.ofMillis(-3), Optional.empty());

        JsonNode row = PeerRows.json(p);

        assertThat(fieldNames(row)).startsWith("id", "address", "state", "rtt_micros", "clock_offset_micros", "last_seen");
        assertThat(row.get("state").asText()).isEqualTo("UP");
        assertThat(row.get("rtt_micros").asLong()).isEqualTo(1_234);
        assertThat(row.get("clock_offset_micros").asLong()).isEqualTo(-3_000);
        assertThat(row.get("last_seen").asText()).isEqualTo("2026-11-25T15:10:15.000001Z");
        assertThat(PeerRows.text(p)).contains("n2", "UP", "127.0.0.1:7002", "1.23", "-3.00");

        PeerInfo never = new PeerInfo(NodeId.of("n3"), Optional.empty(), PeerState.DOWN, Instant.EPOCH, Duration.ZERO,
                Duration.ZERO, Optional.of("connection refused"));
        assertThat(PeerRows.json(never).get("last_seen").isNull()).isTrue();
        assertThat(PeerRows.json(never).get("address").isNull()).isTrue();
        assertThat(PeerRows.text(never)).contains("never", "(connection refused)");
    }

    private static List<String> fieldNames(JsonNode row) {
        List<String> names = new java.util.ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
