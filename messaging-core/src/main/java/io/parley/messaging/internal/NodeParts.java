package io.parley.messaging.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeConfig;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerListener;
import io.parley.messaging.Tls;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.membership.Backoff;
import io.parley.messaging.internal.membership.DnsDiscovery;
import io.parley.messaging.internal.membership.Bounds;
import io.parley.messaging.internal.membership.Membership;
import io.parley.messaging.internal.membership.PeerEventDispatcher;
import io.parley.messaging.internal.transport.ChannelSettings;
import io.parley.messaging.internal.transport.Ports;
import io.parley.messaging.internal.transport.ClusterSecret;
import io.parley.messaging.internal.transport.TlsContexts;
import io.parley.messaging.internal.transport.Transport;
import io.parley.messaging.store.MessageStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's wiring: the parts of a running node, built in order by {@link #build} (threads, delivery, membership,
 * the transport, discovery) and released in the reverse order by {@link #shutdown}. The only class that knows all
 * the wings; {@code Node} holds one and keeps the state machine and the public API.
 *
 * <p>Built on the thread that starts the node; the parts are volatile because a {@code close()} during start, on
 * another thread, may read them while they are being built.
 */
public final class NodeParts {

    private static final Logger log = LoggerFactory.getLogger(NodeParts.class);

    /**
     * With a durable store, each stream holds the bodies of up to this many windows of messages (and no more than
     * 8 MiB of payload beyond the first two), all streams together no more than {@code maxBodyBytesInMemory}; the
     * rest stay in the store until due.
     */
    static final int BODIES_IN_MEMORY_WINDOWS = 16;

    /** Longest a close waits for the store thread to commit what is queued and close the store. */
    static final Duration STORE_CLOSE_WAIT = Duration.ofSeconds(30);

    private final NodeConfig config;
    private final MessageStore store;
    private final HybridLogicalClock hlc;
    private final TlsContexts tls;
    private final ClusterSecret secret;
    private final DnsDiscovery.Resolver dnsResolver;
    private final LimitCounters limitCounters;
    private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
    private final List<DnsDiscovery> dnsDiscovery = new CopyOnWriteArrayList<>();
    private volatile EventLoopGroup group;
    private volatile ExecutorService receipts;
    private volatile ExecutorService ownListenerExecutor;
    private volatile ExecutorService ownPeerEventExecutor;
    private volatile ScheduledThreadPoolExecutor blocking;
    private volatile Delivery delivery;
    private volatile Membership membership;
    private volatile Transport transport;
    private volatile Sender sender;
    private volatile long incarnation;
    private volatile InetSocketAddress localAddress;
    private volatile String advertised = "";

    /**
     * @param store the node's store, opened by the time {@link #build} runs; the store thread closes it when it ends
     * @param tls TLS on every connection, or null
     * @param secret the cluster secret every handshake proves, or null
     * @param dnsResolver resolves DNS discovery names
     * @param limitCounters where every part counts the limits it reaches
     */
    public NodeParts(NodeConfig config, MessageStore store, HybridLogicalClock hlc, TlsContexts tls,
                     ClusterSecret secret, DnsDiscovery.Resolver dnsResolver, LimitCounters limitCounters) {
        this.config = config;
        this.store = store;
        this.hlc = hlc;
        this.tls = tls;
        this.secret = secret;
        this.dnsResolver = dnsResolver;
        this.limitCounters = limitCounters;
    }

    /**
     * Builds and starts every part, in order; returns once the node listens. If it fails half way,
     * {@link #shutdown} releases what was built.
     */
    public void build(long incarnation) throws InterruptedException {
        this.incarnation = incarnation;
        // A restarted node's hybrid clock goes on from its newest sent message, whatever its wall clock says now.
        store.history(HistoryQuery.builder().direction(Direction.SENT).order(HistoryQuery.Order.NEWEST_FIRST).limit(1).build())
                .forEach(newest -> hlc.restore(newest.hlc()));
        String prefix = "parley-" + config.id();
        group = new MultiThreadIoEventLoopGroup(config.ioThreads(), threads(prefix + "-io"), NioIoHandler.newFactory());
        receipts = Threads.single(threads(prefix + "-receipts"));
        Executor listenerExecutor = config.listenerExecutor().orElseGet(() -> {
            ownListenerExecutor = Threads.single(threads(prefix + "-listener"));
            return ownListenerExecutor;
        });
        int window = config.limits().sendWindow();
        int maxUnacknowledged = config.limits().maxUnacknowledgedPerPeer(store.isDurable());
        delivery = new Delivery(new Delivery.Settings(config.id(), store, hlc, config.clock(), receipts,
                config.listener().orElse(null), listenerExecutor, threads(prefix + "-store"), window, maxUnacknowledged,
                store.isDurable() ? BODIES_IN_MEMORY_WINDOWS * window : maxUnacknowledged,
                config.limits().maxInFlightBytesPerPeer(), config.limits().maxBodyBytesInMemory(), limitCounters));
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
                config.gossipInterval(), () -> advertised, () -> localAddress, Bounds.of(config.limits(),
                config.forgetUnreachableAfter(), config.admission(), authenticatesPeers(config), limitCounters)), delivery,
                new PeerEventDispatcher(config.id(), peerListener, peerEventExecutor, config.clock()));
        config.peers().forEach(membership::add);
        config.seeds().forEach(membership::addSeed);
        membership.restore(store.outboxes());
        sender = new Sender(config.id(), incarnation, config.clock(), hlc, delivery, membership);
        ChannelSettings settings = new ChannelSettings(config.id(), config.cluster(), incarnation, () -> advertised,
                config.clock(), config.handshakeTimeout(), config.heartbeatInterval(), config.heartbeatTimeout(),
                config.limits(), config.failureDetection(), tls, limitCounters, secret);
        transport = new Transport(settings, new Ports(membership.handshakeEvents(), membership.events(), delivery),
                group, blocking);
        localAddress = transport.bind(new InetSocketAddress(config.listenHost(), config.listenPort()));
        advertised = config.advertisedAddress().orElseGet(() -> new PeerAddress(config.id(),
                localAddress.getAddress().isAnyLocalAddress() ? config.listenHost() : localAddress.getAddress().getHostAddress(),
                localAddress.getPort()).hostPort());
        membership.start(transport);
        for (NodeConfig.DnsDiscovery spec : config.dnsDiscovery()) {
            DnsDiscovery d = new DnsDiscovery(config.id(), spec, dnsResolver, blocking, membership::isLocal,
                    membership::discovered);
            dnsDiscovery.add(d);
            d.start();
        }
    }

    /**
     * Whether the node authenticates its peers, so that membership takes gossip only from sessions whose handshake
     * proved the peer's identity: a cluster secret, or TLS with client certificates. Without either every node of the
     * cluster is trusted.
     */
    private static boolean authenticatesPeers(NodeConfig config) {
        return config.hasClusterSecret() || config.tls().map(Tls::mutualAuthentication).orElse(false);
    }

    /**
     * A factory of daemon threads named {@code name-N}, remembered so that close() can refuse to run on them.
     * Event loop threads are Netty's FastThreadLocalThreads (which Netty treats as never allowed to block); the
     * store, receipt and listener threads are plain threads, which may wait.
     */
    private ThreadFactory threads(String name) {
        ThreadFactory factory = name.endsWith("-io") ? new DefaultThreadFactory(name, true) : Threads.daemon(name);
        Set<Thread> own = ownThreads; // not the parts themselves, so nothing outlives them through a factory
        return task -> {
            Thread t = factory.newThread(task);
            own.add(t);
            return t;
        };
    }

    /** Whether {@code t} is one of the node's own threads. */
    public boolean isOwnThread(Thread t) {
        return ownThreads.contains(t);
    }

    /** The incarnation of the node's store, once it is open. */
    public long incarnation() {
        return incarnation;
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public String advertised() {
        return advertised;
    }

    public Delivery delivery() {
        return delivery;
    }

    public Membership membership() {
        return membership;
    }

    public Sender sender() {
        return sender;
    }

    /** Connections open now, accepted and dialled; 0 before the transport is built. */
    public int openConnections() {
        Transport t = transport;
        return t == null ? 0 : t.openConnections();
    }

    /**
     * Runs {@code task} on the receipt thread after {@code delay}. If the node is closing, the timer or the
     * hand-over may be refused: then the task does not run.
     */
    public void onReceiptThreadAfter(Duration delay, Runnable task) {
        try {
            group.next().schedule(() -> {
                try {
                    receipts.execute(task);
                } catch (RejectedExecutionException e) {
                    // closing
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Waits, at most {@code timeout}, until no message to a connected peer waits for its acknowledgement. */
    public void drain(Duration timeout) {
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

    /** Stops dialling and admitting, and says Goodbye on every connection, waiting at most a second for it. */
    public void sayGoodbye() {
        membership.beginClose();
        membership.sayGoodbye("node " + config.id() + " is shutting down", Duration.ofSeconds(1));
    }

    /**
     * Releases whatever was built, in the reverse order: discovery, the listening socket and connections, the store
     * stage (which commits what is queued and closes the store on its own thread), the streams (their futures fail),
     * the event loops and the executors. Closes the store itself only if no store thread was made.
     */
    public void shutdown() {
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
                store.close(); // opened, but never handed to a store thread
            } catch (RuntimeException e) {
                log.warn("{}: closing the store failed", config.id(), e);
            }
        }
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
}
