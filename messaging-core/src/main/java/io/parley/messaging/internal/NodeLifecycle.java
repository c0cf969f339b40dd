package io.parley.messaging.internal;

import io.parley.messaging.MessagingException;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.PayloadTooLargeException;
import io.parley.messaging.StoreHealth;
import io.parley.messaging.store.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's life, as one state machine: NEW until start; STARTING while the store is opened and the
 * {@link NodeParts} are built; STARTED only once every part exists (published through the state, so whoever sees
 * STARTED sees the parts); CLOSING from close (or a failed start) until everything is released; then CLOSED. A
 * close during STARTING moves the node to CLOSING, and the start itself then releases what it built and fails with
 * {@link NodeClosedException}; the close waits for that. Each end happens in one method, {@link #release()}, once.
 *
 * <p>Thread-safe: the state is atomic, the parts volatile.
 */
public final class NodeLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NodeLifecycle.class);

    /** Where a node is in its life. */
    public enum State { NEW, STARTING, STARTED, CLOSING, CLOSED }

    private final NodeId id;
    private final MessageStore store;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Thread starter;
    private volatile NodeParts parts;

    public NodeLifecycle(NodeId id, MessageStore store) {
        this.id = id;
        this.store = store;
    }

    public State state() {
        return state.get();
    }

    /** The parts, once start has made them (read {@link #state()} first: STARTED is published after them). */
    public NodeParts parts() {
        return parts;
    }

    /**
     * A failed future if nothing can be sent now (the node is closed, its store cannot write, the payload is too
     * large), else null.
     *
     * @throws IllegalStateException before start has returned
     */
    public <T> CompletableFuture<T> refuseSend(int payloadBytes, int maxPayloadBytes, String what) {
        State s = state.get();
        if (s == State.NEW) {
            throw new IllegalStateException("node " + id + " is not started: call start() before sending");
        }
        if (s == State.STARTING) {
            throw new IllegalStateException("node " + id + " is still starting: send once start() has returned");
        }
        if (s != State.STARTED) {
            return CompletableFuture.failedFuture(new NodeClosedException("node " + id + " is closed; " + what));
        }
        StoreHealth store = parts.delivery().storeHealth();
        if (!store.writable()) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("node " + id
                    + " cannot store messages since " + store.since() + " (" + store.reason() + "); " + what
                    + ": retry once the store writes again"));
        }
        if (payloadBytes > maxPayloadBytes) {
            return CompletableFuture.failedFuture(new PayloadTooLargeException("payload of " + payloadBytes
                    + " bytes exceeds the limit of " + maxPayloadBytes + " bytes"));
        }
        return null;
    }

    /**
     * The parts of a node whose start has returned (it may be closing or closed since).
     *
     * @throws IllegalStateException before that, saying the node is not started
     */
    public NodeParts started() {
        State s = state.get(); // read before the parts: STARTED is published after them
        NodeParts p = parts;
        if (s == State.NEW || s == State.STARTING || p == null || p.delivery() == null) {
            throw new IllegalStateException("node " + id + " is not started");
        }
        return p;
    }

    /**
     * Opens the store and builds {@code parts}; returns once the node listens. On any failure everything built is
     * released and the failure thrown.
     *
     * @throws IllegalStateException if the node was started before
     * @throws NodeClosedException if a close came while starting
     * @throws MessagingException if the start was interrupted
     */
    public NodeParts start(NodeParts toBuild) {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("node " + id + " was already started");
        }
        starter = Thread.currentThread();
        try {
            long incarnation = store.open(id);
            failIfClosedWhileStarting();
            parts = toBuild;
            toBuild.build(incarnation);
            if (!state.compareAndSet(State.STARTING, State.STARTED)) {
                failIfClosedWhileStarting();
            }
            return toBuild;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail();
            throw new MessagingException("interrupted while starting node " + id, e);
        } catch (RuntimeException | Error e) {
            fail(); // also for an Error: a close() waiting for this start must not wait for ever
            throw e;
        } finally {
            starter = null;
        }
    }

    private void fail() {
        state.set(State.CLOSING);
        try {
            release();
        } catch (RuntimeException cleanup) {
            log.debug("{}: cleanup after failed start", id, cleanup);
        }
    }

    private void failIfClosedWhileStarting() {
        if (state.get() != State.STARTING) {
            throw new NodeClosedException("node " + id + " was closed while it was starting");
        }
    }

    /**
     * Closes the node: drains for up to {@code drainTimeout}, says Goodbye, releases everything. Idempotent; during
     * a start on another thread it waits for that start to release what it built.
     *
     * @throws IllegalStateException if called from one of the node's own threads, where it would wait on itself
     */
    public void close(Duration drainTimeout) {
        NodeParts built = parts;
        if (built != null && built.isOwnThread(Thread.currentThread())) {
            throw new IllegalStateException("close() called from node " + id + "'s own thread "
                    + Thread.currentThread().getName() + "; call it from another thread");
        }
        State previous = state.getAndUpdate(s -> s == State.STARTED || s == State.STARTING ? State.CLOSING
                : s == State.NEW ? State.CLOSED : s);
        if (previous == State.NEW) {
            store.close();
            released.countDown();
            return;
        }
        if (previous == State.STARTING) {
            // start() sees CLOSING at its next step and releases what it built; wait for that, unless start() is
            // this very thread (a store that closes its node from open()).
            if (starter != Thread.currentThread()) {
                awaitReleased();
            }
            return;
        }
        if (previous != State.STARTED) {
            return;
        }
        parts.drain(drainTimeout);
        parts.sayGoodbye();
        release();
    }

    private void awaitReleased() {
        boolean interrupted = false;
        while (true) {
            try {
                released.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the node must still be released before close() returns
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void release() {
        NodeParts p = parts;
        if (p != null) {
            p.shutdown();
        } else {
            try {
                store.close(); // opened before start failed, never handed to the parts
            } catch (RuntimeException e) {
                log.warn("{}: closing the store failed", id, e);
            }
        }
        state.set(State.CLOSED);
        released.countDown();
        log.info("{}: closed", id);
    }
}
