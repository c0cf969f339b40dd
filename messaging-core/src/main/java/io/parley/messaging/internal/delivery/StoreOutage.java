package io.parley.messaging.internal.delivery;

import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.StoreHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store that cannot write, as the {@link StoreStage} lives through it: the batch whose commit failed with
 * {@code StoreUnavailableException} is held, whole and as it was sorted, and committed again every
 * {@link StoreHealth#RETRY_MILLIS} ms before anything else is taken from the queue. Meanwhile the node is degraded
 * ({@link #health()}): it refuses new sends, the {@link InboundGate} stops reading every connection that brings a
 * message, and nothing of the batch is acked or passed on. Once it commits, all of that ends.
 *
 * <p>Owned by the store thread, but for {@link #health()}, which any thread reads.
 */
final class StoreOutage {

    private static final Logger log = LoggerFactory.getLogger(StoreOutage.class);

    private final NodeId self;
    private final InboundGate gate;
    private StoreBatch held;
    private long retryAtNanos;
    private long retryNanos = TimeUnit.MILLISECONDS.toNanos(StoreHealth.RETRY_MILLIS);
    private volatile StoreHealth health = StoreHealth.writable(Instant.now());

    StoreOutage(NodeId self, InboundGate gate) {
        this.self = self;
        this.gate = gate;
    }

    /** Whether a batch is held: nothing else may be committed before it. */
    boolean holding() {
        return held != null;
    }

    /** Whether the store takes writes now; read by any thread. */
    StoreHealth health() {
        return health;
    }

    /** How long a held batch waits before it is tried again (tests step the stage with 0). */
    void retryEvery(Duration interval) {
        this.retryNanos = interval.toNanos();
    }

    /** {@code batch} met a store that cannot write: hold it, and the node is degraded. */
    void hold(StoreBatch batch) {
        held = batch;
        retryAtNanos = System.nanoTime() + retryNanos;
        String reason = batch.unavailable().getMessage();
        health = StoreHealth.degraded(reason, Instant.now());
        gate.hold();
        log.error("{}: the store cannot write: {}. Refusing sends and pausing reads from peers until it can; trying"
                + " again every {} ms", self, reason, TimeUnit.NANOSECONDS.toMillis(retryNanos), batch.unavailable());
    }

    /** Commits the held batch again if it is time; returns 1 once it went through (the outage is over), else 0. */
    int retry() {
        if (System.nanoTime() - retryAtNanos < 0) {
            return 0;
        }
        StoreBatch batch = held;
        if (!batch.commit()) {
            retryAtNanos = System.nanoTime() + retryNanos;
            String reason = batch.unavailable().getMessage();
            if (!reason.equals(health.reason())) {
                log.warn("{}: the store still cannot write, now: {}", self, reason);
                health = StoreHealth.degraded(reason, health.since());
            }
            return 0;
        }
        held = null;
        Instant now = Instant.now();
        log.info("{}: the store writes again after {} ms; taking sends and reading from peers again", self,
                Duration.between(health.since(), now).toMillis());
        health = StoreHealth.writable(now);
        gate.release();
        return 1;
    }

    /** The stage ends: the held batch, if any, is answered as never stored. */
    void abandon(NodeClosedException cause) {
        if (held != null) {
            StoreBatch batch = held;
            held = null;
            batch.abandon(cause);
            gate.release();
        }
    }
}
