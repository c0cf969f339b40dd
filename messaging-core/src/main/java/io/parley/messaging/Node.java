package io.parley.messaging;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.internal.Threads;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.delivery.MessageIds;
import io.parley.messaging.internal.delivery.OutboundStream;
import io.parley.messaging.internal.membership.Backoff;
import io.parley.messaging.internal.membership.DnsDiscovery;
import io.parley.messaging.internal.membership.Membership;
import io.parley.messaging.internal.membership.PeerEventDispatcher;
import io.parley.messaging.internal.transport.ChannelSettings;
import io.parley.messaging.internal.transport.Ports;
import io.parley.messaging.internal.transport.TlsContexts;
import io.parley.messaging.internal.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
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
 * a {@link PeerListener} hears of every change.
 *
 * <p>Thread-safe. {@link #close()} drains what is in flight for up to the close timeout, then says Goodbye to
 * every peer and releases everything.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    /**
     * NEW until start(); STARTING while start() builds the node; STARTED only once every part below exists;
     * CLOSING from close() (or a failed start) until shutdown() has released everything; then CLOSED. A close()
     * during STARTING moves the node to CLOSING, and start() itself then releases what it built.
     */
    private enum State { NEW, STARTING, STARTED, CLOSING, CLOSED }

    /**
     * With a durable store, each stream holds the bodies of up to this many windows of messages (and no more than
     * 8 MiB of payload beyond the first two); the rest stay in the store until due.
     */
    static final int BODIES_IN_MEMORY_WINDOWS = 16;

    /** Longest close() waits for the store thread to commit what is queued and close the store. */
    static final Duration STORE_CLOSE_WAIT = Duration.ofSeconds(30);

    private final NodeConfig config;
    private final HybridLogicalClock hlc;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    /** Open once shutdown() has released everything (or a node never started was closed). */
    private final CountDownLatch released = new CountDownLatch(1);
    // Written by start() before it publishes STARTED; volatile because close() during STARTING, and shutdown() on
    // the starting thread, may read them while start() is still writing them.
    private volatile Thread starter;
    private volatile long incarnation;
    private volatile EventLoopGroup group;
    private volatile ExecutorService receipts;
    private volatile ExecutorService ownListenerExecutor;
    private volatile ExecutorService ownPeerEventExecutor;
    private volatile ScheduledThreadPoolExecutor blocking;
    private volatile Delivery delivery;
    private volatile Membership membership;
    private volatile Transport transport;
    private final List<DnsDiscovery> dnsDiscovery = new CopyOnWriteArrayList<>();
    private volatile DnsDiscovery.Resolver dnsResolver = DnsDiscovery.Resolver.PLATFORM;
    private volatile InetSocketAddress localAddress;
    private volatile String advertised = "";
    private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
    private final TlsContexts tls;

    Node(NodeConfig config) {
        this(config, true);
    }

    /** {@code checkOwnCertificate} false: for tests of a node that shows a certificate for another id. */
    Node(NodeConfig config, boolean checkOwnCertificate) {
        this.config = Objects.requireNonNull(config, "config");
        this.hlc = new HybridLogicalClock(config.clock());
        this.tls = config.tls().map(t -> TlsContexts.create(t, config.id(), checkOwnCertificate)).orElse(null);
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
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("node " + config.id() + " was already started");
        }
        starter = Thread.currentThread();
        try {
            incarnation = config.store().open(config.id());
            failIfClosedWhileStarting();
            String prefix = "parley-" + config.id();
            group = new MultiThreadIoEventLoopGroup(config.ioThreads(), threads(prefix + "-io"), NioIoHandler.newFactory());
            receipts = Threads.single(threads(prefix + "-receipts"));
            var listenerExecutor = config.listenerExecutor().orElseGet(() -> {
                ownListenerExecutor = Threads.single(threads(prefix + "-listener"));
                return ownListenerExecutor;
            });
            int maxUnacknowledged = config.limits().maxUnacknowledgedPerPeer(config.store().isDurable());
            delivery = new Delivery(new Delivery.Settings(config.id(), config.store(), hlc, config.clock(), receipts,
                    config.listener().orElse(null), listenerExecutor, threads(prefix + "-store"),
                    config.limits().sendWindow(), maxUnacknowledged, config.store().isDurable()
                            ? BODIES_IN_MEMORY_WINDOWS * config.limits().sendWindow() : maxUnacknowledged));
            delivery.start();
            blocking = new ScheduledThreadPoolExecutor(1, threads(prefix + "-resolver"));
            blocking.setRemoveOnCancelPolicy(true);
            PeerListener peerListener = config.peerListener().orElse(null);
            Executor peerEventExecutor = peerListener == null ? null : config.peerEventExecutor().orElseGet(() -> {
                ownPeerEventExecutor = Threads.single(threads(prefix + "-peer-events"));
                return ownPeerEventExecutor;
            });
            membership = new Membership(new Membership.Settings(config.id(), incarnation, group,
                    new Backoff(config.reconnectMin(), config.reconnectMax(), 0.5), config.connectTimeout(),
                    config.gossipInterval(), () -> advertised, () -> localAddress), delivery,
                    new PeerEventDispatcher(config.id(), peerListener, peerEventExecutor, config.clock()));
            config.peers().forEach(membership::add);
            config.seeds().forEach(membership::addSeed);
            membership.restore(config.store().outboxes());
            ChannelSettings settings = new ChannelSettings(config.id(), config.cluster(), incarnation, () -> advertised,
                    config.clock(), config.handshakeTimeout(), config.heartbeatInterval(), config.heartbeatTimeout(),
                    config.limits().maxFrameBytes(), config.failureDetection(), tls);
            transport = new Transport(settings, new Ports(membership.handshakeEvents(), membership.events(), delivery),
                    group, blocking);
            localAddress = transport.bind(new InetSocketAddress(config.listenHost(), config.listenPort()));
            advertised = config.advertisedAddress().orElseGet(() -> PeerAddress.HostPort.format(
                    localAddress.getAddress().isAnyLocalAddress() ? config.listenHost() : localAddress.getAddress().getHostAddress(),
                    localAddress.getPort()));
            membership.start(transport);
            for (NodeConfig.DnsDiscovery spec : config.dnsDiscovery()) {
                DnsDiscovery d = new DnsDiscovery(config.id(), spec, dnsResolver, blocking, membership::isLocal,
                        membership::discovered);
                dnsDiscovery.add(d);
                d.start();
            }
            if (!state.compareAndSet(State.STARTING, State.STARTED)) {
                failIfClosedWhileStarting();
            }
            log.info("{}: listening on {} in cluster '{}' with {} peers, {} seeds and {} DNS names", config.id(), advertised,
                    config.cluster(), config.peers().size(), config.seeds().size(), config.dnsDiscovery().size());
            return this;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly();
            throw new MessagingException("interrupted while starting node " + config.id(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(); // also for an Error: a close() waiting for this start must not wait for ever
            throw e;
        } finally {
            starter = null;
        }
    }

    private void failIfClosedWhileStarting() {
        if (state.get() != State.STARTING) {
            throw new NodeClosedException("node " + config.id() + " was closed while it was starting");
        }
    }

    /**
     * A factory of daemon threads named {@code name-N}, remembered so that close() can refuse to run on them.
     * Event loop threads are Netty's FastThreadLocalThreads (which Netty treats as never allowed to block); the
     * store, receipt and listener threads are plain threads, which may wait.
     */
    private ThreadFactory threads(String name) {
        ThreadFactory factory = name.endsWith("-io") ? new DefaultThreadFactory(name, true) : Threads.daemon(name);
        Set<Thread> own = ownThreads; // not the node itself, so nothing outlives it through a factory
        return task -> {
            Thread t = factory.newThread(task);
            own.add(t);
            return t;
        };
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
        InetSocketAddress a = localAddress;
        if (a == null) {
            throw new IllegalStateException("node " + config.id() + " is not listening: call start() first");
        }
        return a;
    }

    /** The incarnation of this node's store, which tags every message it sends. */
    public long incarnation() {
        return incarnation;
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
     * already wait for that peer, {@link NodeClosedException} when the node is closed (or closes before the
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
        return sendCopy(peer, payload.clone(), timeToLive, null);
    }

    /** A failed future if nothing can be sent now (closed, payload too large), else null. */
    private <T> CompletableFuture<T> refuseSend(byte[] payload, String what) {
        State s = state.get();
        if (s == State.NEW) {
            throw new IllegalStateException("node " + config.id() + " is not started: call start() before sending");
        }
        if (s == State.STARTING) {
            throw new IllegalStateException("node " + config.id() + " is still starting: send once start() has returned");
        }
        if (s != State.STARTED) {
            return CompletableFuture.failedFuture(new NodeClosedException("node " + config.id() + " is closed; " + what));
        }
        if (payload.length > config.limits().maxPayloadBytes()) {
            return CompletableFuture.failedFuture(new PayloadTooLargeException("payload of " + payload.length
                    + " bytes exceeds the limit of " + config.limits().maxPayloadBytes() + " bytes"));
        }
        return null;
    }

    /** Sends {@code body} (not copied) to one peer, with a message id of its own or the given one of a broadcast. */
    private Submission sendCopy(NodeId peer, byte[] body, Duration timeToLive, UUID id) {
        OutboundStream link = membership.knows(peer) ? delivery.stream(peer) : null;
        if (link == null) {
            return new Submission(Optional.empty(), CompletableFuture.failedFuture(new UnknownPeerException(unknownPeer(peer))));
        }
        long ttlMicros = timeToLive == null ? 0 : saturatedMicros(timeToLive);
        // OutboundStream.send calls the factory on this thread before it returns, unless it refuses the send first.
        UUID[] made = new UUID[1];
        CompletableFuture<Receipt> receipt = link.send(seq -> {
            long now = config.clock().nowMicros();
            long expires = timeToLive == null ? Message.NEVER : saturatedAdd(now, ttlMicros);
            Message m = new Message(id != null ? id : MessageIds.next(Math.floorDiv(now, 1000)), config.id(), peer,
                    Direction.SENT, DeliveryStatus.PENDING, incarnation, seq, now, Message.UNKNOWN_TIME, hlc.tick(),
                    expires, body);
            made[0] = m.id();
            return m;
        });
        return new Submission(Optional.ofNullable(made[0]), receipt);
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
            // If the node is closing, the timer or the hand-over may be refused: then every copy fails with
            // NodeClosedException, which completes the report anyway.
            try {
                group.next().schedule(() -> {
                    try {
                        receipts.execute(() -> result.complete(broadcastReceipt(id, copies)));
                    } catch (RejectedExecutionException e) {
                        // closing
                    }
                }, deadline.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // closing
            }
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
        byte[] body = payload.clone();
        UUID id = MessageIds.next(Math.floorDiv(config.clock().nowMicros(), 1000));
        Map<NodeId, CompletableFuture<Receipt>> copies = new LinkedHashMap<>();
        for (NodeId peer : membership.ids()) {
            copies.put(peer, sendCopy(peer, body, timeToLive, id).receipt());
        }
        CompletableFuture<BroadcastReceipt> result = new CompletableFuture<>();
        // Copies complete on the receipt thread, so the report is made there, seeing every copy as it stands.
        CompletableFuture.allOf(copies.values().toArray(CompletableFuture[]::new))
                .whenComplete((ignored, failure) -> result.complete(broadcastReceipt(id, copies)));
        return new BroadcastSubmission(Optional.of(id), copies, result);
    }

    private static BroadcastReceipt broadcastReceipt(UUID id, Map<NodeId, CompletableFuture<Receipt>> copies) {
        Map<NodeId, Receipt> delivered = new HashMap<>();
        Set<NodeId> pending = new HashSet<>();
        Map<NodeId, Throwable> failed = new HashMap<>();
        copies.forEach((peer, f) -> {
            if (!f.isDone()) {
                pending.add(peer);
            } else if (f.isCompletedExceptionally()) {
                try {
                    f.join();
                } catch (CompletionException | java.util.concurrent.CancellationException e) {
                    failed.put(peer, e.getCause() != null ? e.getCause() : e);
                }
            } else {
                delivered.put(peer, f.join());
            }
        });
        return new BroadcastReceipt(id, delivered, pending, failed);
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

    private String unknownPeer(NodeId peer) {
        if (peer.equals(config.id())) {
            return "'" + peer + "' is this node itself; send to one of its peers";
        }
        List<NodeId> known = membership.ids();
        return "unknown peer '" + peer + "'; this node knows " + (known.isEmpty() ? "no peers"
                : known.stream().limit(20).map(NodeId::value).collect(Collectors.joining(", "))
                + (known.size() > 20 ? " and " + (known.size() - 20) + " more" : ""));
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
        if (state.get() != State.STARTED) {
            throw new IllegalStateException("node " + config.id() + " is not running; add peers to the builder before start()");
        }
        membership.addAndConnect(peer);
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
        State s = state.get(); // read before membership: STARTED is published after it is built
        Membership table = membership;
        return s == State.NEW || s == State.STARTING || table == null ? List.of() : table.infos();
    }

    /**
     * Messages in this node's store matching {@code query}, read on the calling thread.
     *
     * @throws IllegalStateException before {@link #start()} or after {@link #close()}
     */
    public List<Message> history(HistoryQuery query) {
        Objects.requireNonNull(query, "query");
        State s = state.get();
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
        if (ownThreads.contains(Thread.currentThread())) {
            throw new IllegalStateException("close() called from node " + config.id() + "'s own thread "
                    + Thread.currentThread().getName() + "; call it from another thread");
        }
        State previous = state.getAndUpdate(s -> s == State.STARTED || s == State.STARTING ? State.CLOSING
                : s == State.NEW ? State.CLOSED : s);
        if (previous == State.NEW) {
            config.store().close();
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
        drain(config.closeTimeout());
        membership.beginClose();
        membership.sayGoodbye("node " + config.id() + " is shutting down", Duration.ofSeconds(1));
        shutdown();
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

    private void drain(Duration timeout) {
        try {
            if (delivery.quiescence().await(() -> delivery.streams().stream()
                    .noneMatch(l -> l.outstanding() > 0 && membership.isConnected(l.peer())), timeout)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        log.warn("{}: closing with messages still unacknowledged after {} ms", config.id(), timeout.toMillis());
    }

    private void shutdown() {
        NodeClosedException closed = new NodeClosedException("node " + config.id() + " closed before the peer acknowledged the message");
        if (membership != null) {
            membership.beginClose();
        }
        dnsDiscovery.forEach(DnsDiscovery::stop);
        if (transport != null) {
            transport.closeServer();
            transport.closeAll();
        }
        if (delivery != null) {
            // The store thread owns the store and closes it when it ends; never under it.
            if (!delivery.closeStore(STORE_CLOSE_WAIT)) {
                log.error("{}: the store thread is still busy after {} s; it closes the store when it is done",
                        config.id(), STORE_CLOSE_WAIT.toSeconds());
            }
            delivery.closeStreams(closed);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        awaitTermination(receipts);
        awaitTermination(ownListenerExecutor);
        awaitTermination(ownPeerEventExecutor);
        if (blocking != null) {
            blocking.shutdownNow(); // a DNS query in flight is of no use any more
        }
        if (delivery == null) {
            try {
                config.store().close(); // opened before start failed, never handed to a store thread
            } catch (RuntimeException e) {
                log.warn("{}: closing the store failed", config.id(), e);
            }
        }
        state.set(State.CLOSED);
        released.countDown();
        log.info("{}: closed", config.id());
    }

    private static void awaitTermination(ExecutorService executor) {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly() {
        state.set(State.CLOSING);
        try {
            if (membership != null) {
                membership.beginClose();
            }
            shutdown();
        } catch (RuntimeException e) {
            log.debug("{}: cleanup after failed start", config.id(), e);
        }
    }

    @Override
    public String toString() {
        return "Node[" + config.id() + " " + state.get() + (localAddress != null ? " " + advertised : "") + "]";
    }
}
