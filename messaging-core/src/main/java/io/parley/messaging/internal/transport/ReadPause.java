package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.RejectedExecutionException;

/**
 * Why a connection is not read now. Several parts of the node stop reading a connection, each for a reason of its
 * own, and each lifts only its own: reading resumes once no reason is left. Without this, one part switching
 * {@code autoRead} back on would undo another's pause.
 *
 * <p>Owned by the channel's event loop: the reasons live in a bit set on the channel, and a call from another
 * thread is handed to that loop, in order with everything else the loop does to the channel.
 */
public final class ReadPause {

    /** A part of the node that may stop reading a connection. */
    public enum Reason {
        /** Received messages wait for the store or the listener ({@code InboundGate}). */
        BACKLOG,
        /** This peer's own messages waiting for the store or the listener are more than its share ({@code InboundGate}). */
        PEER_BACKLOG,
        /** The connection is unwritable: the peer does not read what it is sent ({@link WritabilityHandler}). */
        UNWRITABLE,
        /** The connection is being closed after a failure; it is never read again. */
        CLOSING
    }

    private static final AttributeKey<ReadPause> KEY = AttributeKey.valueOf(ReadPause.class, "readPause");

    private int reasons; // bits by Reason ordinal; the channel's event loop only

    private ReadPause() {
    }

    /** Stops reading {@code channel} for {@code reason}, at once if called on its event loop. */
    public static void pause(Channel channel, Reason reason) {
        onLoop(channel, () -> of(channel).set(channel, reason, true));
    }

    /** Lifts {@code reason}; reading resumes if no other reason is left. At once if called on the event loop. */
    public static void resume(Channel channel, Reason reason) {
        onLoop(channel, () -> of(channel).set(channel, reason, false));
    }

    /** Whether {@code reason} holds {@code channel} now. Event loop only. */
    public static boolean isPausedFor(Channel channel, Reason reason) {
        ReadPause p = channel.attr(KEY).get();
        return p != null && (p.reasons & bit(reason)) != 0;
    }

    private void set(Channel channel, Reason reason, boolean on) {
        int before = reasons;
        reasons = on ? reasons | bit(reason) : reasons & ~bit(reason);
        if (before == 0 && reasons != 0) {
            channel.config().setAutoRead(false);
        } else if (before != 0 && reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    private static ReadPause of(Channel channel) {
        ReadPause p = channel.attr(KEY).get();
        if (p == null) {
            p = new ReadPause();
            channel.attr(KEY).set(p);
        }
        return p;
    }

    private static void onLoop(Channel channel, Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            try {
                channel.eventLoop().execute(task);
            } catch (RejectedExecutionException e) {
                // the node is closing: the connection is not read again anyway
            }
        }
    }

    private static int bit(Reason reason) {
        return 1 << reason.ordinal();
    }
}
