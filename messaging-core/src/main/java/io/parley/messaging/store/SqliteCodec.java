package io.parley.messaging.store;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * How a {@link Message} is laid out in a row of the {@code message} table, both ways. The codes are part of the
 * file format: they never change, whatever becomes of the enums.
 */
final class SqliteCodec {

    /** {@code direction} of a message this node sent; smaller than {@link #RECEIVED}, as in {@link Direction}. */
    static final int SENT = 0;
    /** {@code direction} of a message this node received. */
    static final int RECEIVED = 1;

    /** {@code status} of a sent message not yet acknowledged: the partial pending index holds these. */
    static final int PENDING = 0;
    private static final int DELIVERED = 1;
    private static final int REJECTED = 2;
    private static final int EXPIRED = 3;
    private static final int RECEIVED_STATUS = 4;

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** Every column a {@link Message} is read from, in the order {@link #read} expects. */
    static final String COLUMNS = "id, direction, peer, sender_incarnation, seq, status, sender_time_micros, "
            + "receiver_time_micros, hlc_wall, hlc_logical, expires_at_micros, payload";

    private SqliteCodec() {
    }

    /**
     * The id's 16 bytes, big-endian, with the top bit of each half flipped: {@link UUID#compareTo} compares the
     * halves as signed numbers, and with the flip the blobs' byte order is that same order.
     */
    static byte[] id(UUID id) {
        byte[] b = new byte[16];
        LONG_BE.set(b, 0, id.getMostSignificantBits() ^ Long.MIN_VALUE);
        LONG_BE.set(b, 8, id.getLeastSignificantBits() ^ Long.MIN_VALUE);
        return b;
    }

    static UUID id(byte[] b) {
        if (b == null || b.length != 16) {
            throw new StoreException("stored message id is not 16 bytes");
        }
        return new UUID((long) LONG_BE.get(b, 0) ^ Long.MIN_VALUE, (long) LONG_BE.get(b, 8) ^ Long.MIN_VALUE);
    }

    static int status(DeliveryStatus status) {
        return switch (status) {
            case PENDING -> PENDING;
            case DELIVERED -> DELIVERED;
            case REJECTED -> REJECTED;
            case EXPIRED -> EXPIRED;
            case RECEIVED -> RECEIVED_STATUS;
        };
    }

    static DeliveryStatus status(int code) {
        return switch (code) {
            case PENDING -> DeliveryStatus.PENDING;
            case DELIVERED -> DeliveryStatus.DELIVERED;
            case REJECTED -> DeliveryStatus.REJECTED;
            case EXPIRED -> DeliveryStatus.EXPIRED;
            case RECEIVED_STATUS -> DeliveryStatus.RECEIVED;
            default -> throw new StoreException("stored message has unknown status code " + code);
        };
    }

    static int direction(Direction direction) {
        return direction == Direction.SENT ? SENT : RECEIVED;
    }

    /** Binds a receiver time: NULL while it is not known. */
    static void setReceiverTime(PreparedStatement s, int index, long micros) throws SQLException {
        if (micros == Message.UNKNOWN_TIME) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setLong(index, micros);
        }
    }

    /** Binds an expiry: NULL for a message that never expires. */
    static void setExpiry(PreparedStatement s, int index, long micros) throws SQLException {
        if (micros == Message.NEVER) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setLong(index, micros);
        }
    }

    /** Every row of {@code rows}, each read by {@link #read}. */
    static List<Message> readAll(ResultSet rows, NodeId owner) throws SQLException {
        List<Message> messages = new ArrayList<>();
        while (rows.next()) {
            messages.add(read(rows, owner));
        }
        return messages;
    }

    /**
     * The message in the current row, selected with {@link #COLUMNS}. The owner is the sender of a sent row and
     * the recipient of a received one, so it is not stored in each row.
     */
    static Message read(ResultSet row, NodeId owner) throws SQLException {
        UUID id = id(row.getBytes(1));
        int directionCode = row.getInt(2);
        NodeId peer = new NodeId(row.getString(3));
        long incarnation = row.getLong(4);
        long sequence = row.getLong(5);
        DeliveryStatus status = status(row.getInt(6));
        long senderTime = row.getLong(7);
        long receiverTime = row.getLong(8);
        if (row.wasNull()) {
            receiverTime = Message.UNKNOWN_TIME;
        }
        HybridTimestamp hlc = new HybridTimestamp(row.getLong(9), row.getInt(10));
        long expiresAt = row.getLong(11);
        if (row.wasNull()) {
            expiresAt = Message.NEVER;
        }
        byte[] payload = row.getBytes(12);
        if (payload == null) {
            payload = new byte[0];
        }
        return switch (directionCode) {
            case SENT -> new Message(id, owner, peer, Direction.SENT, status, incarnation, sequence, senderTime,
                    receiverTime, hlc, expiresAt, payload);
            case RECEIVED -> new Message(id, peer, owner, Direction.RECEIVED, status, incarnation, sequence, senderTime,
                    receiverTime, hlc, expiresAt, payload);
            default -> throw new StoreException("stored message has unknown direction code " + directionCode);
        };
    }
}
