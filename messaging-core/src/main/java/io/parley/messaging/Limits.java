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
 * @param maxConnections most connections open at once, accepted and dialled together; an incoming connection past
 *     it is closed at once, before a byte is read ({@link Limit#CONNECTIONS})
 * @param maxConnectionsPerAddress most connections accepted from one remote IP address at once; one more is closed
 *     at once ({@link Limit#CONNECTIONS_PER_ADDRESS})
 * @param maxHandshakesInProgress most accepted connections that have not finished their handshake; one more is
 *     closed at once ({@link Limit#HANDSHAKES_IN_PROGRESS})
 * @param maxControlFramesPerSecond most Ping and Gossip frames (each kind counted on its own) a connection may send
 *     per second, with bursts of as many; one more is dropped unanswered, and a connection that sends ten times
 *     that many beyond the rate in a row is closed ({@link Limit#CONTROL_FRAME_RATE})
 * @param maxMembers most peers the node knows at once; configured peers ({@link NodeBuilder#peer},
 *     {@link Node#addPeer}) always count and are never refused, but a member learnt past it (from gossip, a
 *     Hello or Welcome, a seed or DNS name) is ignored, and a connection from an unknown id is refused with
 *     {@code CODE_NOT_ADMITTED} ({@link Limit#MEMBERS})
 * @param maxConcurrentDials most outgoing connections being made at once (connecting or in their handshake);
 *     one more waits its turn, in order ({@link Limit#CONCURRENT_DIALS})
 * @param maxNewMembersPerFrame most members not known yet taken from one Hello, Welcome or Gossip; the rest of
 *     the frame's new members are ignored (honest gossip names them again in a later round)
 *     ({@link Limit#NEW_MEMBERS_PER_FRAME})
 * @param maxControlFrameBytes largest frame accepted that is not an Envelope (Hello, Welcome, Gossip, acks...), and
 *     never more than {@code maxFrameBytes}; a longer one is refused with {@code CODE_FRAME_TOO_LARGE} before it is parsed, and the connection closed
 *     ({@link Limit#CONTROL_FRAME_SIZE})
 */
public record Limits(int maxFrameBytes, int maxPayloadBytes, int sendWindow, int maxQueuedPerPeer,
                     int maxDurableBacklogPerPeer, int maxConnections, int maxConnectionsPerAddress,
                     int maxHandshakesInProgress, int maxControlFramesPerSecond, int maxMembers,
                     int maxConcurrentDials, int maxNewMembersPerFrame, int maxControlFrameBytes) {

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
    /** Default {@link #maxConnections()}: 1,024. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    /** Default {@link #maxConnectionsPerAddress()}: 64 (many nodes may share a host, or sit behind one NAT). */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
    /** Default {@link #maxHandshakesInProgress()}: 64. */
    public static final int DEFAULT_MAX_HANDSHAKES_IN_PROGRESS = 64;
    /** Default {@link #maxControlFramesPerSecond()}: 20 (an honest peer sends one Ping a second, Gossip about as often). */
    public static final int DEFAULT_MAX_CONTROL_FRAMES_PER_SECOND = 20;
    /** Default {@link #maxMembers()}: 1,024 peers, the default {@link #maxConnections()}. */
    public static final int DEFAULT_MAX_MEMBERS = 1024;
    /** Default {@link #maxConcurrentDials()}: 32. */
    public static final int DEFAULT_MAX_CONCURRENT_DIALS = 32;
    /** Default {@link #maxNewMembersPerFrame()}: 16 (an honest node joining a cluster learns it over a few rounds). */
    public static final int DEFAULT_MAX_NEW_MEMBERS_PER_FRAME = 16;
    /**
     * Default {@link #maxControlFrameBytes()}: 1 MiB, three times a Hello naming 1,024 members with the longest ids
     * and host names.
     */
    public static final int DEFAULT_MAX_CONTROL_FRAME_BYTES = 1024 * 1024;
    /** Room a frame needs besides its payload (ids, clocks, sequence). */
    public static final int FRAME_OVERHEAD_BYTES = 1024;

    /** The defaults. */
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_PAYLOAD_BYTES,
            DEFAULT_SEND_WINDOW, DEFAULT_MAX_QUEUED_PER_PEER, DEFAULT_MAX_DURABLE_BACKLOG_PER_PEER,
            DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_HANDSHAKES_IN_PROGRESS,
            DEFAULT_MAX_CONTROL_FRAMES_PER_SECOND, DEFAULT_MAX_MEMBERS, DEFAULT_MAX_CONCURRENT_DIALS,
            DEFAULT_MAX_NEW_MEMBERS_PER_FRAME,
            DEFAULT_MAX_CONTROL_FRAME_BYTES);

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
        positive("maxConnections", maxConnections);
        positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
        positive("maxHandshakesInProgress", maxHandshakesInProgress);
        positive("maxControlFramesPerSecond", maxControlFramesPerSecond);
        positive("maxControlFrameBytes", maxControlFrameBytes);
        positive("maxMembers", maxMembers);
        positive("maxConcurrentDials", maxConcurrentDials);
        positive("maxNewMembersPerFrame", maxNewMembersPerFrame);
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
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int maxHandshakesInProgress = DEFAULT_MAX_HANDSHAKES_IN_PROGRESS;
        private int maxControlFramesPerSecond = DEFAULT_MAX_CONTROL_FRAMES_PER_SECOND;
        private int maxControlFrameBytes = DEFAULT_MAX_CONTROL_FRAME_BYTES;
        private int maxMembers = DEFAULT_MAX_MEMBERS;
        private int maxConcurrentDials = DEFAULT_MAX_CONCURRENT_DIALS;
        private int maxNewMembersPerFrame = DEFAULT_MAX_NEW_MEMBERS_PER_FRAME;

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

        /** Most connections open at once; default 1,024. */
        public Builder maxConnections(int connections) {
            this.maxConnections = connections;
            return this;
        }

        /** Most connections accepted from one remote IP address at once; default 64. */
        public Builder maxConnectionsPerAddress(int connections) {
            this.maxConnectionsPerAddress = connections;
            return this;
        }

        /** Most accepted connections still in their handshake; default 64. */
        public Builder maxHandshakesInProgress(int handshakes) {
            this.maxHandshakesInProgress = handshakes;
            return this;
        }

        /** Most Ping frames, and most Gossip frames, per second on one connection; default 20. */
        public Builder maxControlFramesPerSecond(int frames) {
            this.maxControlFramesPerSecond = frames;
            return this;
        }

        /** Most peers known at once, configured ones never refused; default 1,024. */
        public Builder maxMembers(int members) {
            this.maxMembers = members;
            return this;
        }

        /** Most outgoing connections being made at once, the rest waiting their turn; default 32. */
        public Builder maxConcurrentDials(int dials) {
            this.maxConcurrentDials = dials;
            return this;
        }

        /** Most members not known yet taken from one Hello, Welcome or Gossip; default 16. */
        public Builder maxNewMembersPerFrame(int members) {
            this.maxNewMembersPerFrame = members;
            return this;
        }

        /** The limits, validated. */
        public Limits build() {
            return new Limits(maxFrameBytes, maxPayloadBytes, sendWindow, maxQueuedPerPeer, maxDurableBacklogPerPeer,
                    maxConnections, maxConnectionsPerAddress, maxHandshakesInProgress, maxControlFramesPerSecond,
                    maxMembers, maxConcurrentDials, maxNewMembersPerFrame, maxControlFrameBytes);
        }

        /** Largest frame that is not an Envelope; default 1 MiB. */
        public Builder maxControlFrameBytes(int bytes) {
            this.maxControlFrameBytes = bytes;
            return this;
        }
    }
}
