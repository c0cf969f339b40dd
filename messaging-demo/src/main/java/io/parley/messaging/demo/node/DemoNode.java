package io.parley.messaging.demo.node;

import io.parley.messaging.BroadcastSubmission;
import io.parley.messaging.DeliveryRejectedException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.MessageExpiredException;
import io.parley.messaging.MessagingException;
import io.parley.messaging.Node;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.Receipt;
import io.parley.messaging.Submission;
import io.parley.messaging.demo.events.EventSink;
import io.parley.messaging.demo.events.PeerReporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One node of this process as the demo runs it: every message it receives and every receipt or failure of a message
 * it sends goes to the {@link EventSink} and the {@link NodeMetrics}, and every change of a peer's state to the sink
 * through its {@link PeerReporter}; every send of the console and the HTTP API goes through {@link #send} or
 * {@link #broadcast}.
 */
public final class DemoNode implements AutoCloseable {

    private final Node node;
    private final NodeId id;
    private final Path store;
    private final EventSink sink;
    private final NodeMetrics metrics;
    private final PeerReporter peerReporter;
    private final Set<CompletableFuture<Receipt>> awaiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    private DemoNode(NodeBuilder builder, Path store, EventSink sink) {
        this.store = store;
        this.sink = sink;
        this.peerReporter = new PeerReporter(sink);
        this.node = builder.onMessage(this::onMessage).onPeerEvent(peerReporter).peerEventExecutor(peerReporter.executor())
                .build();
        this.id = node.id();
        this.metrics = new NodeMetrics(id, this::peers, awaiting::size, this::storeWritable, node::limitsReached);
    }

    /**
     * Builds and starts a node whose messages are kept in {@code store}; once it is listening, its peers' state changes
     * are reported.
     *
     * @throws DemoException if it cannot start (the port is in use, the store belongs to another node or is not a
     *     store), in one sentence
     */
    public static DemoNode start(NodeBuilder builder, Path store, EventSink sink) {
        DemoNode n = new DemoNode(builder, store, sink);
        try {
            n.node.start();
        } catch (MessagingException e) {
            n.metrics.close();
            n.peerReporter.close();
            throw new DemoException("node " + n.id + " cannot start: " + e.getMessage(), e);
        }
        sink.listening(n.id, n.address(), store);
        n.peerReporter.start(n.id, n::peers);
        return n;
    }

    public NodeId id() {
        return id;
    }

    public Node node() {
        return node;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    /** Where peers reach this node, {@code host:port}. */
    public String address() {
        var a = node.localAddress();
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void onMessage(Message m) {
        metrics.received();
        sink.received(id, m);
    }

    /**
     * Sends {@code text} to {@code peer}. Its receipt or failure is reported to the sink when it comes; a send refused
     * at once (unknown peer, too large, too many waiting) has no id and is reported before this returns.
     */
    public Submission send(NodeId peer, String text) {
        Submission s = node.submit(peer, text.getBytes(StandardCharsets.UTF_8), null);
        track(peer, s.messageId().orElse(null), s.receipt(), text);
        return s;
    }

    /**
     * Sends {@code text} to every peer this node knows now, UP or not, as one message: the library's broadcast, one id
     * in every store. Each peer's receipt or failure is reported to the sink when it comes, as for {@link #send}; a
     * copy refused at once (too many waiting for that peer) is reported before this returns, without an id, and so is
     * a broadcast refused as a whole (too large, the node closed), once for every peer.
     */
    public BroadcastSubmission broadcast(String text) {
        BroadcastSubmission b = node.submitBroadcast(text.getBytes(StandardCharsets.UTF_8), null);
        if (b.messageId().isEmpty()) {
            Throwable cause = b.receipt().handle((r, failure) -> failure).join();
            peers().forEach(p -> failed(p.id(), null, preview(text), cause));
        }
        // A copy's future that failed before submitBroadcast returned is a copy that was never stored.
        b.receipts().forEach((peer, receipt) ->
                track(peer, receipt.isCompletedExceptionally() ? null : b.messageId().orElseThrow(), receipt, text));
        return b;
    }

    /**
     * Counts a message to one peer, made under {@code messageId} (null if refused), and reports how it ends, with at
     * most {@value #REPORTED_CHARS} characters of its text: what waits for a receipt holds no more than that, so a
     * peer that never acknowledges cannot make this node keep every payload sent to it (the store has them whole).
     */
    private void track(NodeId peer, UUID messageId, CompletableFuture<Receipt> receipt, String fullText) {
        String text = preview(fullText);
        long sentAt = System.nanoTime();
        if (messageId != null) {
            metrics.sent();
            awaiting.add(receipt);
        }
        receipt.whenComplete((r, failure) -> {
            try {
                if (failure == null) {
                    Duration sinceSend = Duration.ofNanos(System.nanoTime() - sentAt);
                    metrics.delivered(r, sinceSend);
                    sink.delivered(id, r, text, sinceSend);
                } else {
                    failed(peer, messageId, text, failure);
                }
            } finally {
                awaiting.remove(receipt); // after the report, so that a drain ends after the last one
            }
        });
    }

    /** Most characters of a sent message's text that its delivered or failed report repeats. */
    static final int REPORTED_CHARS = 1024;

    /** {@code text}, or its first {@value #REPORTED_CHARS} characters and how many more there were. */
    static String preview(String text) {
        return text.length() <= REPORTED_CHARS ? text
                : text.substring(0, REPORTED_CHARS) + "…(+" + (text.length() - REPORTED_CHARS) + " chars)";
    }

    private void failed(NodeId peer, UUID messageId, String text, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (closing && cause instanceof NodeClosedException) {
            return; // the drain at the end reports how many are still pending; one line each would bury it
        }
        metrics.failed();
        DeliveryStatus status = messageId == null ? null
                : cause instanceof MessageExpiredException ? DeliveryStatus.EXPIRED
                : cause instanceof DeliveryRejectedException ? DeliveryStatus.REJECTED
                : cause instanceof NodeClosedException ? DeliveryStatus.PENDING
                : null;
        sink.failed(id, peer, messageId, status, text, cause.getMessage() != null ? cause.getMessage() : cause.toString());
    }

    public List<PeerInfo> peers() {
        return node.peers();
    }

    /** 1 while the node's store takes writes, 0 while it is degraded (and before the node has started). */
    private double storeWritable() {
        try {
            return node.storeHealth().writable() ? 1 : 0;
        } catch (IllegalStateException notStarted) {
            return 0;
        }
    }

    /** Messages in this node's store matching {@code query}, read on the calling thread (blocking). */
    List<Message> history(HistoryQuery query) {
        return node.history(query);
    }

    /** The newest {@code limit} messages (with {@code peer}, if given), oldest first. */
    public List<Message> latest(Optional<NodeId> peer, int limit) {
        HistoryQuery.Builder q = HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST).limit(limit);
        peer.ifPresent(q::peer);
        List<Message> rows = new ArrayList<>(node.history(q.build()));
        Collections.reverse(rows);
        return rows;
    }

    /**
     * The message with this id (exchanged with {@code peer}, if given). Message ids are version 7 UUIDs whose
     * timestamp is the millisecond of the sender's clock at send, so the lookup reads only that millisecond's
     * messages, then a second either side (a broadcast's id is made just before its copies are stamped).
     */
    public Optional<Message> message(UUID messageId, Optional<NodeId> peer) {
        if (messageId.version() != 7) {
            return Optional.empty();
        }
        long millis = messageId.getMostSignificantBits() >>> 16;
        Optional<Message> exact = find(messageId, peer, millis * 1000, (millis + 1) * 1000);
        return exact.isPresent() ? exact : find(messageId, peer, (millis - 1000) * 1000, (millis + 1001) * 1000);
    }

    private Optional<Message> find(UUID messageId, Optional<NodeId> peer, long fromMicros, long toMicros) {
        HistoryQuery.Builder q = HistoryQuery.builder().senderTimeBetween(fromMicros, toMicros).limit(HistoryQuery.MAX_LIMIT);
        peer.ifPresent(q::peer);
        return node.history(q.build()).stream().filter(m -> m.id().equals(messageId)).findFirst();
    }

    /** Sends of this process still waiting for their receipt. */
    public List<CompletableFuture<Receipt>> awaitingReceipt() {
        return List.copyOf(awaiting);
    }

    /** Whether the store holds a sent message not yet acknowledged, from this run or an earlier one. */
    public boolean hasPending() {
        return !awaiting.isEmpty() || !node.history(HistoryQuery.builder().status(DeliveryStatus.PENDING).limit(1).build()).isEmpty();
    }

    /** How many sent messages wait for their receipt (at most {@link HistoryQuery#MAX_LIMIT} are counted in the store). */
    public long pendingCount() {
        int stored = node.history(HistoryQuery.builder().status(DeliveryStatus.PENDING).limit(HistoryQuery.MAX_LIMIT).build()).size();
        return Math.max(stored, awaiting.size());
    }

    /** Reports no more changes of peers' states: a host that closes its nodes says nothing after it is done. */
    public void stopPeerReports() {
        peerReporter.stop();
    }

    /**
     * Closes the node (it waits its close timeout for messages in flight), saying nothing of its peers going meanwhile;
     * failures of closing are not reported one by one.
     */
    @Override
    public void close() {
        closing = true;
        peerReporter.stop();
        try {
            node.close();
        } finally {
            peerReporter.close();
            metrics.close();
        }
    }
}
