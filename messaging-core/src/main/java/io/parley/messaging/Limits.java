package io.parley.messaging;

/**
 * Sizes a node enforces. Immutable; {@link #DEFAULT} holds the defaults, {@link #builder()} changes them.
 *
 * @param maxFrameBytes largest frame accepted on the wire, in bytes; a longer one closes that connection
 * @param maxPayloadBytes largest payload {@link Node#send} accepts and a receiver stores, in bytes
 * @param sendWindow most messages sent to one peer and not yet acknowledged
 * @param maxQueuedPerPeer with a store that is not durable, most messages waiting for one peer (sent or not,
 *     unacknowledged), all of them held in memory; past it {@link Node#send} fails at once with
 *     {@link BackpressureException}
 * @param maxDurableBacklogPerPeer with a durable store, most messages waiting for one peer; the store holds
 *     them and the node keeps about a window of them in memory, plus 4 bytes and the future of each (see
 *     the README's memory figures); past it {@link Node#send} fails at once with {@link BackpressureException}
 */
public record Limits(int maxFrameBytes, int maxPayloadBytes, int sendWindow, int maxQueuedPerPeer,
                     int maxDurableBacklogPerPeer) {

    /** Default {@link #maxFrameBytes()}: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
    /** Default {@link #maxPayloadBytes()}: 1 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
    /** Default {@link #sendWindow()}: 1,024 messages. */
    public static final int DEFAULT_SEND_WINDOW = 1024;
    /** Default {@link #maxQueuedPerPeer()}: 100,000 messages. */
    public static final int DEFAULT_MAX_QUEUED_PER_PEER = 100_000;
    /** Default {@link #maxDurableBacklogPerPeer()}: 10,000,000 messages. */
    public static final int DEFAULT_MAX_DURABLE_BACKLOG_PER_PEER = 10_000_000;
    /** Room a frame needs besides its payload (ids, clocks, sequence). */
    public static final int FRAME_OVERHEAD_BYTES = 1024;

    /** The defaults. */
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_PAYLOAD_BYTES,
            DEFAULT_SEND_WINDOW, DEFAULT_MAX_QUEUED_PER_PEER, DEFAULT_MAX_DURABLE_BACKLOG_PER_PEER);

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException if a value is not positive, or a payload of the maximum size would not
     *     fit in a frame
     */
    public Limits {
        positive("maxFrameBytes", maxFrameBytes);
        positive("maxPayloadBytes", maxPayloadBytes);
        positive("sendWindow", sendWindow);
        positive("maxQueuedPerPeer", maxQueuedPerPeer);
        positive("maxDurableBacklogPerPeer", maxDurableBacklogPerPeer);
        if ((long) maxPayloadBytes + FRAME_OVERHEAD_BYTES > maxFrameBytes) {
            throw new IllegalArgumentException("maxPayloadBytes (" + maxPayloadBytes + ") plus " + FRAME_OVERHEAD_BYTES
                    + " bytes of framing must fit in maxFrameBytes (" + maxFrameBytes + ")");
        }
        if (maxQueuedPerPeer < sendWindow) {
            throw new IllegalArgumentException("maxQueuedPerPeer (" + maxQueuedPerPeer + ") must be at least sendWindow ("
                    + sendWindow + ")");
        }
        if (maxDurableBacklogPerPeer < sendWindow) {
            throw new IllegalArgumentException("maxDurableBacklogPerPeer (" + maxDurableBacklogPerPeer
                    + ") must be at least sendWindow (" + sendWindow + ")");
        }
    }

    /** The most unacknowledged messages per peer {@link Node#send} accepts with a store of this durability. */
    public int maxUnacknowledgedPerPeer(boolean durableStore) {
        return durableStore ? maxDurableBacklogPerPeer : maxQueuedPerPeer;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** Builds {@link Limits}; every setter's default is the matching {@code DEFAULT_*} constant. */
    public static final class Builder {
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private int sendWindow = DEFAULT_SEND_WINDOW;
        private int maxQueuedPerPeer = DEFAULT_MAX_QUEUED_PER_PEER;
        private int maxDurableBacklogPerPeer = DEFAULT_MAX_DURABLE_BACKLOG_PER_PEER;

        private Builder() {
        }

        /** Largest frame accepted on the wire; default 16 MiB. */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        /** Largest payload sent or stored; default 1 MiB. */
        public Builder maxPayloadBytes(int bytes) {
            this.maxPayloadBytes = bytes;
            return this;
        }

        /** Most unacknowledged messages on the wire to one peer; default 1,024. */
        public Builder sendWindow(int messages) {
            this.sendWindow = messages;
            return this;
        }

        /**
         * With a store that is not durable, most unacknowledged messages held for one peer before {@code send}
         * fails fast; default 100,000.
         */
        public Builder maxQueuedPerPeer(int messages) {
            this.maxQueuedPerPeer = messages;
            return this;
        }

        /**
         * With a durable store, most unacknowledged messages kept for one peer before {@code send} fails fast;
         * default 10,000,000.
         */
        public Builder maxDurableBacklogPerPeer(int messages) {
            this.maxDurableBacklogPerPeer = messages;
            return this;
        }

        /** The limits, validated. */
        public Limits build() {
            return new Limits(maxFrameBytes, maxPayloadBytes, sendWindow, maxQueuedPerPeer, maxDurableBacklogPerPeer);
        }
    }
}
