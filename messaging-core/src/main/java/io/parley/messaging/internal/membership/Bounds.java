package io.parley.messaging.internal.membership;

import io.parley.messaging.AdmissionPolicy;
import io.parley.messaging.Limits;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.internal.LimitCounters;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What bounds membership: how many peers it knows and learns per frame, how many dials it makes at once, when it
 * forgets an unreachable peer, whom it admits and whose gossip it takes. Immutable.
 *
 * @param maxMembers {@link Limits#maxMembers()}
 * @param maxConcurrentDials {@link Limits#maxConcurrentDials()}
 * @param maxNewMembersPerFrame {@link Limits#maxNewMembersPerFrame()}
 * @param forgetAfter {@link NodeBuilder#forgetUnreachableAfter}; a forgotten id is tombstoned for twice as long
 * @param admission whom the node admits
 * @param gossipNeedsAuthentication whether members are taken only from sessions whose handshake proved the peer's
 *     identity ({@link io.parley.messaging.internal.transport.Session#authenticated()}): true when the node
 *     authenticates its peers (TLS with client certificates); false in plain mode, which trusts every node of
 *     the cluster
 * @param counters where reached limits are counted
 * @param nanoTime a monotonic clock, in nanoseconds: {@code System::nanoTime} but in tests
 */
public record Bounds(int maxMembers, int maxConcurrentDials, int maxNewMembersPerFrame, Duration forgetAfter,
                     AdmissionPolicy admission, boolean gossipNeedsAuthentication, LimitCounters counters,
                     LongSupplier nanoTime) {

    public Bounds {
        Objects.requireNonNull(forgetAfter, "forgetAfter");
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** The defaults of {@link Limits} and {@link NodeBuilder}, open admission, gossip from anyone. */
    public static Bounds defaults(LimitCounters counters) {
        return of(Limits.DEFAULT, NodeBuilder.DEFAULT_FORGET_UNREACHABLE_AFTER, AdmissionPolicy.OPEN, false, counters);
    }

    /** The bounds from the node's limits and settings, on the system's monotonic clock. */
    public static Bounds of(Limits limits, Duration forgetAfter, AdmissionPolicy admission,
                            boolean gossipNeedsAuthentication, LimitCounters counters) {
        return new Bounds(limits.maxMembers(), limits.maxConcurrentDials(), limits.maxNewMembersPerFrame(), forgetAfter,
                admission, gossipNeedsAuthentication, counters, System::nanoTime);
    }

    /** These bounds on another clock, for tests. */
    Bounds withClock(LongSupplier clock) {
        return new Bounds(maxMembers, maxConcurrentDials, maxNewMembersPerFrame, forgetAfter, admission,
                gossipNeedsAuthentication, counters, clock);
    }

    long now() {
        return nanoTime.getAsLong();
    }

    /** How long a forgotten or departed id is kept from being re-added by gossip: twice the forget time. */
    long tombstoneNanos() {
        return Math.multiplyExact(2, forgetAfter.toNanos());
    }

    boolean configuredOnly() {
        return admission == AdmissionPolicy.CONFIGURED_ONLY;
    }
}
