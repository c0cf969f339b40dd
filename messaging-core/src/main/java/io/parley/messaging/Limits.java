package io.parley.messaging;

import java.time.Duration;
import java.util.Objects;

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
 * @param maxControlFramesPerSecond most Ping frames, and a quarter as many Gossip frames (each kind counted on its own),
 *     a connection may send per second, with bursts of as many; one more is dropped unanswered, and a connection that sends twice
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
 * @param writeBufferHighWaterBytes bytes written to a connection and not yet taken by the operating system past which
 *     the connection is unwritable: the node stops reading from it (so a peer that does not read cannot make it
 *     write more: no Pong, no ack), skips its Pings and Gossip to it, and sends it no Envelope until it is writable
 *     again ({@link Limit#WRITE_BUFFER_FULL}). An outbound stream fills a connection only up to the low water mark
 *     (or with one Envelope when nothing is waiting), so keep the gap between the two marks at least
 *     {@code maxPayloadBytes + FRAME_OVERHEAD_BYTES}: then a node's own Envelopes never pause its reading, and only
 *     replies owed to a peer that does not read go past the high mark
 * @param writeBufferLowWaterBytes the level the waiting bytes must fall below for an unwritable connection to be
 *     writable again (and read again); also how far an outbound stream fills the connection with Envelopes
 * @param slowConsumerTimeout longest a connection may stay unwritable; then it is closed with an Error
 *     {@code CODE_SLOW_CONSUMER}, written without waiting for the peer to read it ({@link Limit#SLOW_CONSUMER})
 * @param maxInFlightBytesPerPeer most payload bytes sent on a connection and not yet acknowledged; past it the stream
 *     sends no new Envelope until acks come, but one message always goes when none is in flight, so a payload of
 *     {@code maxPayloadBytes} passes whatever this is ({@link Limit#IN_FLIGHT_BYTES_PER_PEER})
 * @param maxBodyBytesInMemory most payload bytes of unacknowledged messages the node holds in memory, over all
 *     peers. With a durable store, bodies past it stay in the store and are read back when due (every stream still
 *     holds at least one body, so none stalls), and sends whose bodies are not stored yet may hold as much again
 *     (past it {@link Node#send} fails at once with {@link BackpressureException}); with a store that is not durable,
 *     {@link Node#send} fails at once with {@link BackpressureException} past it ({@link Limit#BODY_BYTES_IN_MEMORY})
 */
public record Limits(int maxFrameBytes, int maxPayloadBytes, int sendWindow, int maxQueuedPerPeer,
                     int maxDurableBacklogPerPeer, int maxConnections, int maxConnectionsPerAddress,
                     int maxHandshakesInProgress, int maxControlFramesPerSecond, int maxMembers,
                     int maxConcurrentDials, int maxNewMembersPerFrame, int maxControlFrameBytes,
                     int writeBufferHighWaterBytes, int writeBufferLowWaterBytes, Duration slowConsumerTimeout,
                     long maxInFlightBytesPerPeer, long maxBodyBytesInMemory) {

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
    /**
     * Default {@link #maxControlFramesPerSecond()}: 20 Pings (an honest peer sends one a heartbeat interval, 1 s by
     * default), and a quarter of that, 5, Gossip frames (one a gossip interval at most) per connection.
     */
    public static final int DEFAULT_MAX_CONTROL_FRAMES_PER_SECOND = 20;
    /** Default {@link #maxMembers()}: 1,024 peers, the default {@link #maxConnections()}. */
    public static final int DEFAULT_MAX_MEMBERS = 1024;
    /** Default {@link #maxConcurrentDials()}: 32. */
    public static final int DEFAULT_MAX_CONCURRENT_DIALS = 32;
    /** Default {@link #maxNewMembersPerFrame()}: 16 (an honest node joining a cluster learns it over a few rounds). */
    public static final int DEFAULT_MAX_NEW_MEMBERS_PER_FRAME = 16;
    /**
     * Default {@link #maxControlFrameBytes()}: 256 KiB, six times a Hello naming 1,024 members with 20-character ids
     * and addresses (a frame of members is parsed into many times its size in objects, and checked member by member).
     */
    public static final int DEFAULT_MAX_CONTROL_FRAME_BYTES = 256 * 1024;
    /**
     * Default {@link #writeBufferHighWaterBytes()}: 2 MiB, the low mark plus room for one Envelope of the default
     * largest payload (1 MiB and its framing), so a node's own Envelopes never pause its reading. A peer that does
     * not read can make the node hold at most about this much for it (plus one frame).
     */
    public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_BYTES = 2 * 1024 * 1024;
    /** Default {@link #writeBufferLowWaterBytes()}: 1 MiB. */
    public static final int DEFAULT_WRITE_BUFFER_LOW_WATER_BYTES = 1024 * 1024;
    /**
     * Default {@link #slowConsumerTimeout()}: 30 s; a peer that reads nothing of 1 MiB in that time is as good as
     * gone, and the node redials it.
     */
    public static final Duration DEFAULT_SLOW_CONSUMER_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Default {@link #maxInFlightBytesPerPeer()}: 16 MiB, enough to keep a 1 Gbit/s link busy over a 100 ms round
     * trip, and small next to a window of 1,024 large payloads (up to 1 GiB).
     */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER = 16L * 1024 * 1024;
    /**
     * Default {@link #maxBodyBytesInMemory()}: 32 MiB over all peers (and as much again for sends not stored yet), so
     * that a node in a small heap (160 MiB) survives a peer that takes nothing it is sent; raise it for large heaps
     * and payloads.
     */
    public static final long DEFAULT_MAX_BODY_BYTES_IN_MEMORY = 32L * 1024 * 1024;
    /** Room a frame needs besides its payload (ids, clocks, sequence). */
    public static final int FRAME_OVERHEAD_BYTES = 1024;

    /** The defaults. */
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_PAYLOAD_BYTES,
            DEFAULT_SEND_WINDOW, DEFAULT_MAX_QUEUED_PER_PEER, DEFAULT_MAX_DURABLE_BACKLOG_PER_PEER,
            DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_HANDSHAKES_IN_PROGRESS,
            DEFAULT_MAX_CONTROL_FRAMES_PER_SECOND, DEFAULT_MAX_MEMBERS, DEFAULT_MAX_CONCURRENT_DIALS,
            DEFAULT_MAX_NEW_MEMBERS_PER_FRAME, DEFAULT_MAX_CONTROL_FRAME_BYTES, DEFAULT_WRITE_BUFFER_HIGH_WATER_BYTES,
            DEFAULT_WRITE_BUFFER_LOW_WATER_BYTES, DEFAULT_SLOW_CONSUMER_TIMEOUT, DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER,
            DEFAULT_MAX_BODY_BYTES_IN_MEMORY);

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException if a value is not positive, a payload of the maximum size would not
     *     fit in a frame, or the low water mark is not below the high one
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
        positive("writeBufferHighWaterBytes", writeBufferHighWaterBytes);
        positive("writeBufferLowWaterBytes", writeBufferLowWaterBytes);
        Objects.requireNonNull(slowConsumerTimeout, "slowConsumerTimeout");
        if (slowConsumerTimeout.isNegative() || slowConsumerTimeout.isZero()) {
            throw new IllegalArgumentException("slowConsumerTimeout must be positive, got " + slowConsumerTimeout);
        }
        positive("maxInFlightBytesPerPeer", maxInFlightBytesPerPeer);
        positive("maxBodyBytesInMemory", maxBodyBytesInMemory);
        if (writeBufferLowWaterBytes >= writeBufferHighWaterBytes) {
            throw new IllegalArgumentException("writeBufferLowWaterBytes (" + writeBufferLowWaterBytes
                    + ") must be below writeBufferHighWaterBytes (" + writeBufferHighWaterBytes + ")");
        }
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

    private static void positive(String name, long value) {
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
        private int writeBufferHighWaterBytes = DEFAULT_WRITE_BUFFER_HIGH_WATER_BYTES;
        private int writeBufferLowWaterBytes = DEFAULT_WRITE_BUFFER_LOW_WATER_BYTES;
        private Duration slowConsumerTimeout = DEFAULT_SLOW_CONSUMER_TIMEOUT;
        private long maxInFlightBytesPerPeer = DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER;
        private long maxBodyBytesInMemory = DEFAULT_MAX_BODY_BYTES_IN_MEMORY;

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

        /**
         * Waiting outgoing bytes past which a connection is unwritable: it is no longer read and gets no Envelope,
         * Ping or Gossip until they fall below the low water mark; default 2 MiB. Keep it at least
         * {@code maxPayloadBytes + FRAME_OVERHEAD_BYTES} above the low water mark.
         */
        public Builder writeBufferHighWaterBytes(int bytes) {
            this.writeBufferHighWaterBytes = bytes;
            return this;
        }

        /**
         * Level the waiting outgoing bytes of an unwritable connection must fall below for it to be writable (and
         * read) again, and how far a stream fills a connection with Envelopes; default 1 MiB.
         */
        public Builder writeBufferLowWaterBytes(int bytes) {
            this.writeBufferLowWaterBytes = bytes;
            return this;
        }

        /** Longest a connection may stay unwritable before it is closed with {@code CODE_SLOW_CONSUMER}; default 30 s. */
        public Builder slowConsumerTimeout(Duration timeout) {
            this.slowConsumerTimeout = timeout;
            return this;
        }

        /**
         * Most payload bytes sent on a connection and not yet acknowledged; past it no new Envelope goes out until
         * acks come (one always goes when none is in flight); default 16 MiB.
         */
        public Builder maxInFlightBytesPerPeer(long bytes) {
            this.maxInFlightBytesPerPeer = bytes;
            return this;
        }

        /**
         * Most payload bytes of unacknowledged messages held in memory over all peers: beyond it a durable store
         * keeps the bodies until due, and with a store that is not durable {@code send} fails fast; default 32 MiB.
         */
        public Builder maxBodyBytesInMemory(long bytes) {
            this.maxBodyBytesInMemory = bytes;
            return this;
        }

        /** The limits, validated. */
        public Limits build() {
            return new Limits(maxFrameBytes, maxPayloadBytes, sendWindow, maxQueuedPerPeer, maxDurableBacklogPerPeer,
                    maxConnections, maxConnectionsPerAddress, maxHandshakesInProgress, maxControlFramesPerSecond,
                    maxMembers, maxConcurrentDials, maxNewMembersPerFrame, maxControlFrameBytes,
                    writeBufferHighWaterBytes, writeBufferLowWaterBytes, slowConsumerTimeout, maxInFlightBytesPerPeer,
                    maxBodyBytesInMemory);
        }

        /** Largest frame that is not an Envelope; default 256 KiB. */
        public Builder maxControlFrameBytes(int bytes) {
            this.maxControlFrameBytes = bytes;
            return this;
        }
    }
}
