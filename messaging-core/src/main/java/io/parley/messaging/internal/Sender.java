package io.parley.messaging.internal;

import io.parley.messaging.BroadcastReceipt;
import io.parley.messaging.BroadcastSubmission;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.Submission;
import io.parley.messaging.UnknownPeerException;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.delivery.MessageIds;
import io.parley.messaging.internal.delivery.OutboundStream;
import io.parley.messaging.internal.delivery.ReceiptFuture;
import io.parley.messaging.internal.membership.Membership;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Makes the messages a node sends, once the node has checked that it may send: one to a peer through its
 * {@link OutboundStream}, or one id with a copy to every known peer. Runs on the caller's thread; the stream numbers
 * the message under its own lock.
 */
public final class Sender {

    private final NodeId self;
    private final long incarnation;
    private final WallClock clock;
    private final HybridLogicalClock hlc;
    private final Delivery delivery;
    private final Membership membership;

    public Sender(NodeId self, long incarnation, WallClock clock, HybridLogicalClock hlc, Delivery delivery,
                  Membership membership) {
        this.self = self;
        this.incarnation = incarnation;
        this.clock = clock;
        this.hlc = hlc;
        this.delivery = delivery;
        this.membership = membership;
    }

    /**
     * Sends {@code body} (not copied) to {@code peer}, with a message id of its own or {@code id}, a broadcast's.
     *
     * @param timeToLive null for none
     */
    public Submission send(NodeId peer, byte[] body, Duration timeToLive, UUID id) {
        OutboundStream stream = membership.knows(peer) ? delivery.stream(peer) : null;
        if (stream == null) {
            return new Submission(Optional.empty(), CompletableFuture.failedFuture(new UnknownPeerException(unknownPeer(peer))));
        }
        long ttlMicros = timeToLive == null ? 0 : saturatedMicros(timeToLive);
        // The stream calls the factory on this thread before it returns, unless it refuses the send first.
        UUID[] made = new UUID[1];
        ReceiptFuture receipt = stream.send(body.length, seq -> {
            long now = clock.nowMicros();
            long expires = timeToLive == null ? Message.NEVER : saturatedAdd(now, ttlMicros);
            Message m = new Message(id != null ? id : MessageIds.next(Math.floorDiv(now, 1000)), self, peer,
                    Direction.SENT, DeliveryStatus.PENDING, incarnation, seq, now, Message.UNKNOWN_TIME, hlc.tick(),
                    expires, body);
            made[0] = m.id();
            return m;
        });
        return new Submission(Optional.ofNullable(made[0]), receipt, receipt.stored());
    }

    /** One id, one copy of {@code body} (not copied) to every known peer, and the report once every copy is settled. */
    public BroadcastSubmission broadcast(byte[] body, Duration timeToLive) {
        UUID id = MessageIds.next(Math.floorDiv(clock.nowMicros(), 1000));
        Map<NodeId, CompletableFuture<Receipt>> copies = new LinkedHashMap<>();
        for (NodeId peer : membership.ids()) {
            copies.put(peer, send(peer, body, timeToLive, id).receipt());
        }
        CompletableFuture<BroadcastReceipt> result = new CompletableFuture<>();
        // Copies complete on the receipt thread, so the report is made there, seeing every copy as it stands.
        CompletableFuture.allOf(copies.values().toArray(CompletableFuture[]::new))
                .whenComplete((ignored, failure) -> result.complete(report(id, copies)));
        return new BroadcastSubmission(Optional.of(id), copies, result);
    }

    /** Where a broadcast's copies stand now. */
    public static BroadcastReceipt report(UUID id, Map<NodeId, CompletableFuture<Receipt>> copies) {
        Map<NodeId, Receipt> delivered = new HashMap<>();
        Set<NodeId> pending = new HashSet<>();
        Map<NodeId, Throwable> failed = new HashMap<>();
        copies.forEach((peer, f) -> {
            if (!f.isDone()) {
                pending.add(peer);
            } else if (f.isCompletedExceptionally()) {
                try {
                    f.join();
                } catch (CompletionException | CancellationException e) {
                    failed.put(peer, e.getCause() != null ? e.getCause() : e);
                }
            } else {
                delivered.put(peer, f.join());
            }
        });
        return new BroadcastReceipt(id, delivered, pending, failed);
    }

    private String unknownPeer(NodeId peer) {
        if (peer.equals(self)) {
            return "'" + peer + "' is this node itself; send to one of its peers";
        }
        List<NodeId> known = membership.ids();
        return "unknown peer '" + peer + "'; this node knows " + (known.isEmpty() ? "no peers"
                : known.stream().limit(20).map(NodeId::value).collect(Collectors.joining(", "))
                + (known.size() > 20 ? " and " + (known.size() - 20) + " more" : ""));
    }

    private static long saturatedMicros(Duration d) {
        try {
            return TimeUnit.SECONDS.toMicros(d.getSeconds()) + d.getNano() / 1000;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Message.NEVER - 1 : Math.min(r, Message.NEVER - 1);
    }
}
