package io.parley.messaging.internal.delivery;

import io.netty.channel.Channel;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.internal.transport.ReadPause;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the memory that received messages hold between the wire and the end of the listener call: while more
 * than {@link #HIGH_WATER_MESSAGES} messages or {@link #HIGH_WATER_BYTES} payload bytes are waiting for the store
 * or the listener, the connections they came on are no longer read, so TCP pushes back on the senders; reading
 * resumes once the backlog is down to a quarter of that. A slow store and a slow listener are both covered. While
 * the store cannot write at all ({@link #hold()}), every connection that brings a message is paused, whatever the
 * backlog, until {@link #release()}. Its pause is one {@link ReadPause.Reason} among others: a connection it lets
 * go is read again only if nothing else holds it (such as a peer that does not read what it is sent).
 *
 * <p>Each peer also has a share: while more than {@link #PEER_HIGH_WATER_MESSAGES} messages or
 * {@link #PEER_HIGH_WATER_BYTES} payload bytes of one sender wait, that sender's connection alone is not read, until
 * its own backlog is down to a quarter. So a peer that floods (say, Envelopes of 64 KiB as fast as TCP takes them)
 * fills the store's queue with no more than its share, and the other peers' messages are stored and acknowledged
 * in the same batches as its own rather than behind megabytes of them.
 *
 * <p>Thread-safe: admitted on event loops, released on the store thread and the listener executor.
 */
public final class InboundGate {

    private static final Logger log = LoggerFactory.getLogger(InboundGate.class);

    /** Messages waiting past which reading stops. */
    public static final int HIGH_WATER_MESSAGES = 32_768;
    /** Payload bytes waiting past which reading stops. */
    public static final long HIGH_WATER_BYTES = 64L * 1024 * 1024;

    /** One sender's messages waiting past which its connection is not read. */
    public static final int PEER_HIGH_WATER_MESSAGES = 4_096;
    /** One sender's payload bytes waiting past which its connection is not read. */
    public static final long PEER_HIGH_WATER_BYTES = 1024 * 1024;

    private final NodeId self;
    private final ConcurrentHashMap<NodeId, Share> shares = new ConcurrentHashMap<>();
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final Set<Channel> paused = ConcurrentHashMap.newKeySet();
    private volatile boolean holding;

    public InboundGate(NodeId self) {
        this.self = self;
    }

    /** A message of {@code payloadBytes} from {@code sender} arrived on {@code channel}. */
    public void admitted(Channel channel, NodeId sender, int payloadBytes) {
        Share share = shares.computeIfAbsent(sender, x -> new Share());
        share.admitted(channel, payloadBytes);
        int waiting = messages.incrementAndGet();
        long waitingBytes = bytes.addAndGet(payloadBytes);
        if ((holding || waiting > HIGH_WATER_MESSAGES || waitingBytes > HIGH_WATER_BYTES) && !paused.contains(channel)) {
            // Switched off before it is listed: a release that drains the backlog in between would otherwise take
            // it off the list and switch it on, and then it would be switched off for good. Listed after, it is
            // switched on by a later release, at the latest that of the message just admitted.
            ReadPause.pause(channel, ReadPause.Reason.BACKLOG);
            paused.add(channel);
            log.debug("{}: {} received messages ({} bytes) wait for the store or the listener; pausing reads on {}",
                    self, waiting, waitingBytes, channel.remoteAddress());
        }
    }

    /** {@code done} are done with: stored and, if new, seen by the listener (or dropped). */
    public void released(Collection<Message> done) {
        if (done.isEmpty()) {
            return;
        }
        long payloadBytes = 0;
        for (Message m : done) {
            payloadBytes += m.payloadSize();
            Share share = shares.get(m.sender());
            if (share != null) {
                share.released(m.payloadSize());
            }
        }
        messages.addAndGet(-done.size());
        bytes.addAndGet(-payloadBytes);
        resumeIfCaughtUp();
    }

    private void resumeIfCaughtUp() {
        if (!holding && !paused.isEmpty() && messages.get() <= HIGH_WATER_MESSAGES / 4
                && bytes.get() <= HIGH_WATER_BYTES / 4) {
            for (var it = paused.iterator(); it.hasNext(); ) {
                Channel ch = it.next();
                it.remove();
                ReadPause.resume(ch, ReadPause.Reason.BACKLOG); // on its event loop, after the pause
            }
        }
    }

    /**
     * The store cannot write: from now on every connection that brings a message stops being read, so that
     * nothing more arrives that could not be stored, and the peers' own flow control holds their messages back.
     */
    public void hold() {
        holding = true;
    }

    /** The store writes again: connections are read again (once the backlog is down, as always). */
    public void release() {
        holding = false;
        resumeIfCaughtUp();
    }

    /**
     * One sender's messages waiting, and the connection of its it stopped reading for them, if any. Counted on event
     * loops and the store and listener threads; the pause is switched on and off by the thread that wins the
     * compare-and-set, and carried out on the channel's loop.
     */
    private static final class Share {
        private final AtomicInteger messages = new AtomicInteger();
        private final AtomicLong bytes = new AtomicLong();
        private final java.util.concurrent.atomic.AtomicReference<Channel> paused = new java.util.concurrent.atomic.AtomicReference<>();

        void admitted(Channel channel, int payloadBytes) {
            int waiting = messages.incrementAndGet();
            long waitingBytes = bytes.addAndGet(payloadBytes);
            if ((waiting > PEER_HIGH_WATER_MESSAGES || waitingBytes > PEER_HIGH_WATER_BYTES)
                    && paused.compareAndSet(null, channel)) {
                ReadPause.pause(channel, ReadPause.Reason.PEER_BACKLOG);
                resumeIfCaughtUp(); // released all in between: nothing else would switch it on again
            }
        }

        void released(int payloadBytes) {
            messages.decrementAndGet();
            bytes.addAndGet(-payloadBytes);
            resumeIfCaughtUp();
        }

        private void resumeIfCaughtUp() {
            Channel ch = paused.get();
            if (ch != null && messages.get() <= PEER_HIGH_WATER_MESSAGES / 4 && bytes.get() <= PEER_HIGH_WATER_BYTES / 4
                    && paused.compareAndSet(ch, null)) {
                ReadPause.resume(ch, ReadPause.Reason.PEER_BACKLOG);
            }
        }
    }

    /** Connections not read now, for tests. */
    int pausedConnections() {
        return paused.size();
    }

    /** Received messages not yet done with. */
    public int backlog() {
        return messages.get();
    }
}
