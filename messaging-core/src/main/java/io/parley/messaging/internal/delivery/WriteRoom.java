package io.parley.messaging.internal.delivery;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.parley.messaging.internal.transport.WritabilityHandler;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Whether an outbound stream may write its next Envelope to its connection, and waking the stream once it may. An
 * Envelope goes only while the connection is writable, and only as far as its low water mark (or alone, when nothing
 * waits): so a stream's own Envelopes never make its connection unwritable, which would stop this node reading from
 * the peer (see {@code WritabilityHandler}); the room up to the high water mark is left for the acks and Pongs the
 * connection owes. A stream held back on an unwritable connection is woken by {@code TrafficEvents.writable}; one held
 * back by the low water mark on a writable connection by an empty write, whose promise completes once everything
 * written before it has gone to the operating system.
 *
 * <p>Owned by the stream's home loop.
 */
final class WriteRoom {

    /** What an Envelope's frame adds to its payload, about (length, sequences, id, clocks). */
    static final int ENVELOPE_OVERHEAD_BYTES = 64;

    private final Executor home;
    private final Consumer<Channel> roomOn;
    private Channel awaiting; // the connection whose buffer the stream waits to drain, if any

    /** @param roomOn called on {@code home} once a connection awaited has room again */
    WriteRoom(Executor home, Consumer<Channel> roomOn) {
        this.home = home;
        this.roomOn = roomOn;
    }

    /** Whether an Envelope with {@code payloadBytes} may be written to {@code ch} now. */
    static boolean has(Channel ch, int payloadBytes) {
        if (!ch.isWritable()) {
            return false;
        }
        long waiting = WritabilityHandler.pendingBytes(ch);
        return waiting == 0 || waiting + payloadBytes + ENVELOPE_OVERHEAD_BYTES <= ch.config().getWriteBufferLowWaterMark();
    }

    /**
     * Arranges for the stream to be told once {@code ch} has room: nothing to do on an unwritable connection (it says
     * so itself when it is writable again), an empty write on a writable one. Returns whether it wrote, to be flushed.
     */
    boolean await(Channel ch) {
        if (!ch.isWritable() || awaiting == ch) {
            return false;
        }
        awaiting = ch;
        ch.write(Unpooled.EMPTY_BUFFER).addListener(f -> home.execute(() -> {
            if (awaiting == ch) {
                awaiting = null;
            }
            roomOn.accept(ch);
        }));
        return true;
    }
}
