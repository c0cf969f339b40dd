package io.parley.messaging;

import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.internal.NodeLifecycle;
import io.parley.messaging.internal.NodeLifecycle.State;
import io.parley.messaging.internal.NodeParts;
import io.parley.messaging.internal.Sender;
import io.parley.messaging.internal.membership.DnsDiscovery;
import io.parley.messaging.internal.transport.ClusterSecret;
import io.parley.messaging.internal.transport.TlsContexts;
import io.parley.messaging.store.StoreUnavailableException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Parley node: it listens for peers, dials the peers it knows, and exchanges acknowledged, timestamped
 * messages with all of them over one TCP connection per pair.
 *
 * <pre>{@code
 * try (Node a = Node.builder().id("a").build().start();
 *      Node b = Node.builder().id("b").peer("a", "127.0.0.1", a.localAddress().getPort()).build().start()) {
 *     Receipt r = b.send("a", "hello".getBytes(UTF_8)).get(5, SECONDS);
 * }
 * }</pre>
 *
 * <p><b>Delivery.</b> {@link #send} stores the message on this node before it reaches the wire and returns at
 * once; the receiver stores it before it acknowledges it; the future completes when the acknowledgement is
 * stored here. A message is sent again after a lost connection and stored once on each side (the receiver drops
 * repeats by sender, incarnation and sequence number), and the receiver's listener sees each message once, in
 * send order per sender.
 *
 * <p><b>Threads.</b> Network I/O runs on the node's event loops, which never block; store writes on the node's
 * store thread, committed in batches; the {@link MessageListener} on the listener executor; and receipt futures
 * complete on the node's receipt thread ({@code parley-<id>-receipts}). A callback on a receipt future runs on
 * that thread and should not block for long.
 *
 * <p><b>Membership.</b> Peers are the configured ones, those found through seeds, DNS names and gossip (every node
 * tells the others which members it is connected to), and those that dial in; the node dials every one it learns
 * of and keeps one connection per pair. A failure detector moves peers UP → SUSPECT → DOWN as they fall silent, and
 * a {@link PeerListener} hears of every change. Membership is bounded ({@link Limits#maxMembers()},
 * {@link Limits#maxConcurrentDials()}, {@link Limits#maxNewMembersPerFrame()}), and a learnt peer unreachable for
 * {@link NodeBuilder#forgetUnreachableAfter} is {@link PeerState#FORGOTTEN}.
 *
 * <p>Thread-safe. {@link #close()} drains what is in flight for up to the close timeout, then says Goodbye to
 * every peer and releases everything.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final HybridLogicalClock hlc;
    private final NodeLifecycle life;
    private volatile DnsDiscovery.Resolver dnsResolver = DnsDiscovery.Resolver.PLATFORM;
    private final TlsContexts tls;
    private final ClusterSecret secret;
    private final LimitCounters limitCounters = new LimitCounters();

    Node(NodeConfig config) {
        this(config, true);
    }

    /** {@code checkOwnCertificate} false: for tests of a node that shows a certificate for another id. */
    Node(NodeConfig config, boolean checkOwnCertificate) {
        this.config = Objects.requireNonNull(config, "config");
        this.hlc = new HybridLogicalClock(config.clock(), config.maxClockOffset());
        this.tls = config.tls().map(t -> TlsContexts.create(t, config.id(), checkOwnCertificate)).orElse(null);
        byte[] key = config.clusterSecret();
        this.secret = key == null ? null : new ClusterSecret(key);
        if (key != null) {
            java.util.Arrays.fill(key, (byte) 0);
        }
        this.life = new NodeLifecycle(config.id(), config.store());
    }

    /** The running parts, for tests of the wiring; null before start. */
    NodeParts parts() {
        return life.parts();
    }

    /** A builder for a node. */
    public static NodeBuilder builder() {
        return new NodeBuilder();
    }

    /**
     * Opens the store, starts listening and starts dialling the configured peers. Returns once the node
     * listens; peers connect in the background (see {@link #peers()}).
     *
     * <p>Until it returns the node is starting: a send, broadcast or {@link #addPeer} from another thread
     * meanwhile throws {@link IllegalStateException} (as before start), {@link #peers()} is empty, and a
     * {@link #close()} waits for this method to stop, which then releases what it built and throws
     * {@link NodeClosedException}.
     *
     * @return this node
     * @throws ListenException if the node cannot listen (the port is in use, the address is not local); the node
     *     is then closed
     * @throws MessagingException if the store cannot be opened; the node is then closed
     * @throws NodeClosedException if {@link #close()} was called while the node was starting
     * @throws IllegalStateException if the node was started before
     */
    public Node start() {
        NodeParts parts = life.start(new NodeParts(config, config.store(), hlc, tls, secret, dnsResolver, limitCounters));
        log.info("{}: listening on {} in cluster '{}' with {} peers, {} seeds and {} DNS names", config.id(),
                parts.advertised(), config.cluster(), config.peers().size(), config.seeds().size(),
                config.dnsDiscovery().size());
        return this;
    }

    /** This node's id. */
    public NodeId id() {
        return config.id();
    }

    /** The configuration the node was built with. */
    public NodeConfig config() {
        return config;
    }

    /**
     * The address the node listens on, with the port the system chose when it was configured as 0.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public InetSocketAddress localAddress() {
        NodeParts p = life.parts();
        InetSocketAddress a = p == null ? null : p.localAddress();
        if (a == null) {
            throw new IllegalStateException("node " + config.id() + " is not listening: call start() first");
        }
        return a;
    }

    /** The incarnation of this node's store, which tags every message it sends. */
    public long incarnation() {
        NodeParts p = life.parts();
        return p == null ? 0 : p.incarnation();
    }

    /** Sends {@code payload} to {@code peer}; see {@link #send(NodeId, byte[])}. */
    public CompletableFuture<Receipt> send(String peer, byte[] payload) {
        return send(new NodeId(peer), payload);
    }

    /**
     * Sends {@code payload} to {@code peer}. Returns at once, never blocking on I/O; the payload is copied.
     *
     * <p>The future completes with a {@link Receipt} once the peer stored the message and its acknowledgement
     * is stored here. It fails with {@link UnknownPeerException} when the peer is not known,
     * {@link PayloadTooLargeException} when the payload is over {@link Limits#maxPayloadBytes()},
     * {@link BackpressureException} when {@link Limits#maxUnacknowledgedPerPeer(boolean) too many} messages
     * already wait for that peer, {@link StoreUnavailableException} when this node's store cannot write now (see
     * {@link #storeHealth()}), {@link NodeClosedException} when the node is closed (or closes before the
     * acknowledgement arrives; a durable store sends the message again when the node restarts), and
     * {@link DeliveryRejectedException} when the peer refuses the message.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the node was not started
     */
    public CompletableFuture<Receipt> send(NodeId peer, byte[] payload) {
        return send(peer, payload, null);
    }

    /**
     * Sends {@code payload} to {@code peer}, to be sent no later than {@code timeToLive} from now (by this node's
     * clock). If the time runs out before the message reaches the peer, it is stored as
     * {@link DeliveryStatus#EXPIRED}, never sent again, and the future fails with
     * {@link MessageExpiredException}. A message already on the wire when its time runs out may still arrive:
     * whether it did is learnt when the connection is resumed, and it is then DELIVERED or EXPIRED; it never
     * arrives after that. Otherwise as {@link #send(NodeId, byte[])}.
     *
     * @throws IllegalArgumentException if {@code timeToLive} is not positive
     */
    public CompletableFuture<Receipt> send(NodeId peer, byte[] payload, Duration timeToLive) {
        return submit(peer, payload, timeToLive).receipt();
    }

    /**
     * Sends {@code payload} to {@code peer} as {@link #send(NodeId, byte[], Duration)} does, and tells the id of the
     * message at once, before its receipt: for applications that report a message as accepted and let it be looked
     * up later. The id's timestamp (a version 7 UUID) is the millisecond of the message's sender time.
     *
     * @param timeToLive as for {@link #send(NodeId, byte[], Duration)}, or null for none
     * @throws NullPointerException if {@code peer} or {@code payload} is null
     * @throws IllegalArgumentException if {@code timeToLive} is not positive
     * @throws IllegalStateException if the node was not started
     */
    public Submission submit(NodeId peer, byte[] payload, Duration timeToLive) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(payload, "payload");
        if (timeToLive != null && (timeToLive.isNegative() || timeToLive.isZero())) {
            throw new IllegalArgumentException("time to live must be positive, got " + timeToLive);
        }
        CompletableFuture<Receipt> refused = refuseSend(payload, "cannot send to " + peer);
        if (refused != null) {
            return new Submission(Optional.empty(), refused);
        }
        return life.parts().sender().send(peer, payload.clone(), timeToLive, null);
    }

    /** A failed future if nothing can be sent now (closed, store not writable, payload too large), else null. */
    private <T> CompletableFuture<T> refuseSend(byte[] payload, String what) {
        return life.refuseSend(payload.length, config.limits().maxPayloadBytes(), what);
    }

    /**
     * Sends {@code payload} to every peer this node knows, UP or not; see {@link #broadcast(byte[], Duration)}. The
     * future completes once every peer has stored the message or sending to it failed.
     */
    public CompletableFuture<BroadcastReceipt> broadcast(byte[] payload) {
        return broadcast(payload, null);
    }

    /**
     * Sends {@code payload} to every peer this node knows now, UP or not, as one message: every copy carries the
     * same message id, and each goes through its peer's link as {@link #send} does, in parallel. Returns at once.
     *
     * <p>The future completes with a {@link BroadcastReceipt} when every peer has stored the message or sending to
     * it failed, or at {@code deadline} from now if that comes first, reporting then which peers are still pending.
     * A pending peer still gets the message (it waits for the peer like any message, in the store if it is durable);
     * only the report does not wait for it. The future completes on the node's receipt thread (or on the calling
     * thread if nothing could be sent at all), and fails only with {@link NodeClosedException} or
     * {@link PayloadTooLargeException}, before anything was sent.
     *
     * @param deadline longest to wait for the report, or null to wait for every peer
     * @throws IllegalArgumentException if {@code deadline} is not positive
     * @throws IllegalStateException if the node was not started
     */
    public CompletableFuture<BroadcastReceipt> broadcast(byte[] payload, Duration deadline) {
        Objects.requireNonNull(payload, "payload");
        if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        BroadcastSubmission submitted = sendToEveryPeer(payload, null);
        CompletableFuture<BroadcastReceipt> result = submitted.receipt();
        if (deadline != null && !result.isDone()) {
            UUID id = submitted.messageId().orElseThrow();
            Map<NodeId, CompletableFuture<Receipt>> copies = submitted.receipts();
            // If the node is closing this may never run: then every copy fails with NodeClosedException, which
            // completes the report anyway.
            life.parts().onReceiptThreadAfter(deadline, () -> result.complete(Sender.report(id, copies)));
        }
        return result;
    }

    /**
     * Sends {@code payload} to every peer this node knows now, as {@link #broadcast(byte[])} does, and tells at once
     * the id every copy carries and the future of each peer's receipt, as well as the future of the whole
     * {@link BroadcastReceipt}: for applications that report the message as accepted before its receipts come, and
     * each peer's receipt as it comes. Returns at once; the payload is copied.
     *
     * <p>Each copy is sent as {@link #send(NodeId, byte[], Duration)} sends a message, with {@code timeToLive}, and
     * its future completes on the node's receipt thread. If nothing can be sent (the node is closed, the payload is
     * too large), the result has no message id and no copies, and its {@link BroadcastSubmission#receipt() receipt}
     * has failed with {@link NodeClosedException} or {@link PayloadTooLargeException}.
     *
     * @param timeToLive as for {@link #send(NodeId, byte[], Duration)}, for every copy, or null for none
     * @throws NullPointerException if {@code payload} is null
     * @throws IllegalArgumentException if {@code timeToLive} is not positive
     * @throws IllegalStateException if the node was not started
     */
    public BroadcastSubmission submitBroadcast(byte[] payload, Duration timeToLive) {
        Objects.requireNonNull(payload, "payload");
        if (timeToLive != null && (timeToLive.isNegative() || timeToLive.isZero())) {
            throw new IllegalArgumentException("time to live must be positive, got " + timeToLive);
        }
        return sendToEveryPeer(payload, timeToLive);
    }

    /** One id, one copy of {@code payload} to every known peer, and the report once every copy is settled. */
    private BroadcastSubmission sendToEveryPeer(byte[] payload, Duration timeToLive) {
        CompletableFuture<BroadcastReceipt> refused = refuseSend(payload, "cannot broadcast");
        if (refused != null) {
            return new BroadcastSubmission(Optional.empty(), Map.of(), refused);
        }
        return life.parts().sender().broadcast(payload.clone(), timeToLive);
    }

    /**
     * Adds a peer to a running node (or moves a known one to a new address) and starts dialling it. Peers that
     * dial in are learned without this.
     *
     * @throws IllegalArgumentException if the peer has this node's own id
     * @throws IllegalStateException if the node is not running
     */
    public void addPeer(PeerAddress peer) {
        Objects.requireNonNull(peer, "peer");
        if (life.state() != State.STARTED) {
            throw new IllegalStateException("node " + config.id() + " is not running; add peers to the builder before start()");
        }
        life.parts().membership().addAndConnect(peer);
    }

    /**
     * Resolves DNS discovery names with {@code resolver} rather than the platform's resolver: for tests, which must
     * not need a real DNS name. Call before {@link #start()}.
     */
    Node dnsResolver(DnsDiscovery.Resolver resolver) {
        this.dnsResolver = Objects.requireNonNull(resolver, "resolver");
        return this;
    }

    /**
     * Every peer this node knows, configured, found through seeds, DNS or gossip, or connected to it, with its
     * state, sorted by id.
     */
    public List<PeerInfo> peers() {
        State s = life.state(); // read before the parts: STARTED is published after they are built
        NodeParts p = life.parts();
        return s == State.NEW || s == State.STARTING || p == null ? List.of() : p.membership().infos();
    }

    /**
     * How many hybrid clock readings from peers (on messages and acknowledgements) were further ahead of this node's
     * wall clock than {@link NodeBuilder#maxClockOffset} and so did not advance this node's hybrid clock.
     */
    public long ignoredClockReadings() {
        return hlc.ignoredReadings();
    }

    /**
     * How often, since this node was built, each of the bounds it holds against its peers was reached: a connection
     * refused, a frame dropped, a slow peer cut off (see {@link Limit} for each). Every limit is in the map, with 0
     * if never reached. A snapshot; thread-safe.
     */
    public Map<Limit, Long> limitsReached() {
        return limitCounters.snapshot();
    }

    /**
     * Whether this node's store takes writes now. While it does not (its disk is full or below the store's
     * free-space floor, it reports I/O errors, it is read-only) the node is degraded: sends fail at once with
     * {@link StoreUnavailableException}, the node does not read from its peers and acknowledges nothing it has not
     * stored, and it tries the batch that failed again every {@value StoreHealth#RETRY_MILLIS} ms, taking sends and
     * reading again as soon as that batch is stored.
     *
     * @throws IllegalStateException before {@link #start()} has returned
     */
    public StoreHealth storeHealth() {
        return life.started().delivery().storeHealth();
    }

    /**
     * Messages in this node's store matching {@code query}, read on the calling thread.
     *
     * @throws IllegalStateException before {@link #start()} or after {@link #close()}
     */
    public List<Message> history(HistoryQuery query) {
        Objects.requireNonNull(query, "query");
        State s = life.state();
        if (s == State.NEW || s == State.STARTING || s == State.CLOSED) {
            throw new IllegalStateException("node " + config.id() + " is "
                    + (s == State.NEW ? "not started" : s == State.STARTING ? "still starting" : "closed")
                    + "; its store cannot be read through it");
        }
        return config.store().history(query);
    }

    /**
     * Closes the node: no new sends; waits up to the close timeout for messages in flight to connected peers to be
     * acknowledged; says Goodbye to every peer; closes the listening socket, the connections, the event loops and
     * the store. Futures still waiting fail with {@link NodeClosedException}. Idempotent. Called while
     * {@link #start()} runs on another thread, it waits for start() to stop and release what it built (start() then
     * throws {@link NodeClosedException}).
     *
     * @throws IllegalStateException if called from one of the node's own threads, where it would wait on itself
     */
    @Override
    public void close() {
        life.close(config.closeTimeout());
    }

    @Override
    public String toString() {
        NodeParts p = life.parts();
        return "Node[" + config.id() + " " + life.state() + (p != null && p.localAddress() != null ? " " + p.advertised() : "") + "]";
    }
}
