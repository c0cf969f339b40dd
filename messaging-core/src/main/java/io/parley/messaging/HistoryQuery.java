package io.parley.messaging;

import io.parley.messaging.clock.HybridTimestamp;
import java.util.Objects;
import java.util.Optional;

/**
 * Which stored messages {@link Node#history} returns: filters, an order by hybrid logical clock, and a page.
 * Immutable; build one with {@link #builder()}. {@link #all()} is every message, oldest first, in pages of
 * {@value #DEFAULT_LIMIT}.
 *
 * <p>To page, pass the last message of one page to {@link Builder#after(Message)} for the next.
 */
public final class HistoryQuery {

    /** Page size when none is set. */
    public static final int DEFAULT_LIMIT = 100;
    /** Largest page size accepted. */
    public static final int MAX_LIMIT = 100_000;

    /** The order rows come in. */
    public enum Order {
        /** Smallest hybrid logical clock first. */
        OLDEST_FIRST,
        /** Largest hybrid logical clock first. */
        NEWEST_FIRST
    }

    private final NodeId peer;
    private final Direction direction;
    private final DeliveryStatus status;
    private final long fromSenderMicros;
    private final long toSenderMicros;
    private final long fromReceiverMicros;
    private final long toReceiverMicros;
    private final Order order;
    private final int limit;
    private final HybridTimestamp afterHlc;
    private final java.util.UUID afterId;

    private HistoryQuery(Builder b) {
        this.peer = b.peer;
        this.direction = b.direction;
        this.status = b.status;
        this.fromSenderMicros = b.fromSenderMicros;
        this.toSenderMicros = b.toSenderMicros;
        this.fromReceiverMicros = b.fromReceiverMicros;
        this.toReceiverMicros = b.toReceiverMicros;
        this.order = b.order;
        this.limit = b.limit;
        this.afterHlc = b.afterHlc;
        this.afterId = b.afterId;
    }

    /** Every message, oldest first, first page of {@value #DEFAULT_LIMIT}. */
    public static HistoryQuery all() {
        return builder().build();
    }

    /** A builder with no filters. */
    public static Builder builder() {
        return new Builder();
    }

    /** Only messages exchanged with this peer, if set. */
    public Optional<NodeId> peer() {
        return Optional.ofNullable(peer);
    }

    /** Only messages going this way, if set. */
    public Optional<Direction> direction() {
        return Optional.ofNullable(direction);
    }

    /** Only messages with this status, if set. */
    public Optional<DeliveryStatus> status() {
        return Optional.ofNullable(status);
    }

    /** Smallest sender time included, epoch microseconds ({@link Long#MIN_VALUE} when unbounded). */
    public long fromSenderMicros() {
        return fromSenderMicros;
    }

    /** Sender time bound, exclusive, epoch microseconds ({@link Long#MAX_VALUE} when unbounded). */
    public long toSenderMicros() {
        return toSenderMicros;
    }

    /**
     * Smallest receiver time included, epoch microseconds ({@link Long#MIN_VALUE} when unbounded). A bounded
     * receiver-time range leaves out sent messages whose receiver time is not known yet.
     */
    public long fromReceiverMicros() {
        return fromReceiverMicros;
    }

    /** Receiver time bound, exclusive, epoch microseconds ({@link Long#MAX_VALUE} when unbounded). */
    public long toReceiverMicros() {
        return toReceiverMicros;
    }

    /** Whether a receiver-time range is set. */
    public boolean hasReceiverTimeRange() {
        return fromReceiverMicros != Long.MIN_VALUE || toReceiverMicros != Long.MAX_VALUE;
    }

    /** The order of rows. */
    public Order order() {
        return order;
    }

    /** At most this many rows. */
    public int limit() {
        return limit;
    }

    /** Whether {@code m} passes every filter of this query (the page position aside). */
    public boolean matches(Message m) {
        return (peer == null || peer.equals(m.peer()))
                && (direction == null || direction == m.direction())
                && (status == null || status == m.status())
                && m.senderTimeMicros() >= fromSenderMicros && m.senderTimeMicros() < toSenderMicros
                && (!hasReceiverTimeRange() || (m.receiverTimeMicros() != Message.UNKNOWN_TIME
                        && m.receiverTimeMicros() >= fromReceiverMicros && m.receiverTimeMicros() < toReceiverMicros));
    }

    /** Whether {@code m} lies after the page cursor, in this query's order. */
    public boolean isAfterCursor(Message m) {
        if (afterHlc == null) {
            return true;
        }
        int c = m.hlc().compareTo(afterHlc);
        if (c == 0) {
            c = m.id().compareTo(afterId);
        }
        return order == Order.OLDEST_FIRST ? c > 0 : c < 0;
    }

    /** The page cursor's clock reading, if paging. */
    public Optional<HybridTimestamp> afterHlc() {
        return Optional.ofNullable(afterHlc);
    }

    /** The page cursor's message id, if paging. */
    public Optional<java.util.UUID> afterId() {
        return Optional.ofNullable(afterId);
    }

    /** Builds a {@link HistoryQuery}. */
    public static final class Builder {
        private NodeId peer;
        private Direction direction;
        private DeliveryStatus status;
        private long fromSenderMicros = Long.MIN_VALUE;
        private long toSenderMicros = Long.MAX_VALUE;
        private long fromReceiverMicros = Long.MIN_VALUE;
        private long toReceiverMicros = Long.MAX_VALUE;
        private Order order = Order.OLDEST_FIRST;
        private int limit = DEFAULT_LIMIT;
        private HybridTimestamp afterHlc;
        private java.util.UUID afterId;

        private Builder() {
        }

        /** Only messages exchanged with {@code peer}. */
        public Builder peer(NodeId peer) {
            this.peer = Objects.requireNonNull(peer, "peer");
            return this;
        }

        /** Only messages exchanged with {@code peer}. */
        public Builder peer(String peer) {
            return peer(new NodeId(peer));
        }

        /** Only messages going this way. */
        public Builder direction(Direction direction) {
            this.direction = Objects.requireNonNull(direction, "direction");
            return this;
        }

        /** Only messages with this status. */
        public Builder status(DeliveryStatus status) {
            this.status = Objects.requireNonNull(status, "status");
            return this;
        }

        /** Only messages whose sender time is in {@code [fromMicros, toMicros)}, epoch microseconds. */
        public Builder senderTimeBetween(long fromMicros, long toMicros) {
            if (fromMicros > toMicros) {
                throw new IllegalArgumentException("time range start " + fromMicros + " is after its end " + toMicros);
            }
            this.fromSenderMicros = fromMicros;
            this.toSenderMicros = toMicros;
            return this;
        }

        /**
         * Only messages whose receiver time is in {@code [fromMicros, toMicros)}, epoch microseconds; sent
         * messages not yet acknowledged have no receiver time and are left out.
         */
        public Builder receiverTimeBetween(long fromMicros, long toMicros) {
            if (fromMicros > toMicros) {
                throw new IllegalArgumentException("time range start " + fromMicros + " is after its end " + toMicros);
            }
            this.fromReceiverMicros = fromMicros;
            this.toReceiverMicros = toMicros;
            return this;
        }

        /** The order of rows; default {@link Order#OLDEST_FIRST}. */
        public Builder order(Order order) {
            this.order = Objects.requireNonNull(order, "order");
            return this;
        }

        /** At most this many rows, 1 to {@value #MAX_LIMIT}; default {@value #DEFAULT_LIMIT}. */
        public Builder limit(int limit) {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
            }
            this.limit = limit;
            return this;
        }

        /** Start after {@code last}, the last row of the previous page. */
        public Builder after(Message last) {
            this.afterHlc = last.hlc();
            this.afterId = last.id();
            return this;
        }

        /** The query. */
        public HistoryQuery build() {
            return new HistoryQuery(this);
        }
    }
}
