package io.parley.messaging.internal.membership;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.internal.transport.Transport;
import io.parley.messaging.proto.v1.Error;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dials peers with a known address, and dials them again, with backoff, while they cannot be reached. A dial is
 * made on the event loop of the peer's stream, so its connection and its stream share a thread, and outside the
 * peer's lock: the lock only reserves the dial, and a connection that the tie-break keeps meanwhile cancels it.
 * At most {@link Bounds#maxConcurrentDials()} dials (with the seeds' and DNS addresses') are made at once; the
 * others wait their turn in {@link DialSlots}. A forgotten peer is dialled no more.
 *
 * <p>Thread-safe; each peer's fields are guarded by the peer.
 */
final class Dialer {

    private static final Logger log = LoggerFactory.getLogger(Dialer.class);

    private final PeerTable table;
    private final SelfAddress selfAddress;
    private final Backoff backoff;
    private final Duration connectTimeout;
    private final DialSlots slots;
    private volatile Transport transport;

    Dialer(PeerTable table, SelfAddress selfAddress, Backoff backoff, Duration connectTimeout, DialSlots slots) {
        this.slots = slots;
        this.table = table;
        this.selfAddress = selfAddress;
        this.backoff = backoff;
        this.connectTimeout = connectTimeout;
    }

    /** Starts dialling every peer with a known address. */
    void start(Transport t) {
        this.transport = t;
        table.all().forEach(this::connect);
    }

    /** Dials {@code p} unless it is connected, being dialled, or has no address. Returns at once. */
    void connect(Peer p) {
        EventLoop loop = p.stream.loop();
        if (loop.inEventLoop()) {
            dial(p, loop);
        } else {
            loop.execute(() -> dial(p, loop));
        }
    }

    /** Runs {@code task}, which holds a slot of {@code slots}, on {@code loop}; gives the slot back if it cannot. */
    static void runOn(Executor loop, Runnable task, DialSlots slots) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            slots.release(); // the node is closing
        }
    }

    /** On {@code loop}, the new channel's own, so that none of its events can come before this task ends. */
    private void dial(Peer p, EventLoop loop) {
        synchronized (p) {
            p.reconnectScheduled = false;
            if (!shouldDial(p) || p.waitingForSlot) {
                return;
            }
            p.waitingForSlot = true;
        }
        if (slots.acquire(() -> runOn(loop, () -> dialHolding(p, loop), slots))) {
            dialHolding(p, loop);
        }
    }

    /** Whether {@code p} is to be dialled now. Holding p. */
    private boolean shouldDial(Peer p) {
        return !table.isClosing() && transport != null && !p.forgotten && p.address != null && !p.isDialling()
                && (p.session == null || !p.session.isActive());
    }

    /** Holding a slot of {@link DialSlots}: dials {@code p}, or gives the slot back. */
    private void dialHolding(Peer p, EventLoop loop) {
        Transport t = transport;
        PeerAddress target;
        synchronized (p) {
            p.waitingForSlot = false;
            if (!shouldDial(p)) {
                slots.release();
                return;
            }
            if (selfAddress.isSelf(p.address.hostPort())) {
                p.lastError = p.address.hostPort() + " is this node's own address";
                p.address = null;
                slots.release();
                return;
            }
            target = p.address;
            p.dialling = true;
        }
        ChannelFuture f;
        try {
            f = t.dial(target, loop, connectTimeout);
        } catch (RuntimeException e) {
            synchronized (p) {
                p.dialling = false;
            }
            slots.release();
            throw e;
        }
        slots.hold(f.channel());
        boolean wanted;
        synchronized (p) {
            wanted = p.dialling; // a connection the tie-break keeps may have cancelled it meanwhile
            p.dialling = false;
            if (wanted) {
                p.pendingDial = f.channel();
            }
        }
        if (!wanted) {
            f.channel().close();
            return;
        }
        f.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                failed(p, done.channel(), Error.Code.CODE_UNSPECIFIED, "cannot connect to " + p.id + " at "
                        + target.hostPort() + ": " + (c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName()));
            }
        });
    }

    /** Dials {@code p} again after its backoff, unless that is scheduled already. */
    void scheduleReconnect(Peer p) {
        Duration delay;
        synchronized (p) {
            if (table.isClosing() || p.forgotten || p.address == null || p.reconnectScheduled) {
                return;
            }
            p.reconnectScheduled = true;
            delay = backoff.delay(p.attempts++);
        }
        p.stream.loop().schedule(() -> connect(p), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The dial of {@code channel} to {@code p} failed or was refused with {@code code}: dial again later. */
    void failed(Peer p, Channel channel, Error.Code code, String reason) {
        int attempts;
        synchronized (p) {
            if (p.pendingDial != channel) {
                return; // a dial this node gave up on itself (the other connection won the tie-break)
            }
            p.pendingDial = null;
            p.lastError = reason;
            attempts = p.attempts;
            if (code == Error.Code.CODE_DIALLED_SELF && p.address != null) {
                // Someone told this node that the peer lives at its own address: stale gossip. Wait for a better one.
                log.info("{}: the address {} was given for {} is this node's own; waiting to learn another",
                        table.self(), p.address.hostPort(), p.id);
                selfAddress.learn(p.address.hostPort());
                p.address = null;
                p.source = null;
                return;
            }
        }
        if (attempts == 0) {
            log.info("{}: {}; retrying with backoff", table.self(), reason);
        } else {
            log.debug("{}: {}", table.self(), reason);
        }
        scheduleReconnect(p);
    }
}
