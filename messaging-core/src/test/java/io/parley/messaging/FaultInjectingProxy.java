package io.parley.messaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback for tests, put in front of one node: it forwards every connection it accepts to its
 * target, both ways, and injects faults at random points of the byte stream, inside frames as well as between
 * them (it knows nothing of frames):
 * <ul>
 *   <li>{@link Fault#RESET}: both sides are closed abruptly, with an RST (SO_LINGER 0);
 *   <li>{@link Fault#CUT}: a FIN to one side or to both (a half-close). Nothing more is forwarded to a side that
 *       got one; the other direction goes on until its sender closes as well, and that FIN is passed on;
 *   <li>{@link Fault#STALL}: nothing is forwarded either way for a random time, with the sockets kept open; then
 *       traffic goes on. A stall longer than a node's heartbeat timeout ends in that node's idle detection;
 *   <li>{@link Fault#BLACKHOLE}: nothing is forwarded either way ever again and nothing is closed or reset, not
 *       even a node's own FIN or RST, so only each node's heartbeat timeout ends the connection for it.
 * </ul>
 * Without faults (the {@link #FaultInjectingProxy() plain constructors}) it is a faithful proxy: FINs and resets
 * are passed on, and {@link #resetAll()} cuts everything it carries at a moment the test chooses.
 *
 * <p><b>When.</b> Each direction of each connection counts the bytes it forwards and injects a fault after a gap
 * drawn from {@link FaultPlan#minGapBytes()} to {@link FaultPlan#maxGapBytes()}; after a stall it draws the next
 * gap and goes on. Faults are placed by bytes rather than by time so that where they fall in a stream does not
 * depend on how fast the machine is; a connection that carries nothing gets no fault. With
 * {@link FaultPlan#earlyFaultChance()} a connection's first fault falls within its first
 * {@value #EARLY_WINDOW_BYTES} bytes instead, that is in or right after the handshake.
 *
 * <p><b>Reproducibility.</b> The fault plan is a function of the seed: each direction of the n-th connection
 * accepted draws its gaps, cut sides and stall lengths from a {@link Random} seeded from (seed, n, direction), and
 * the k-th fault the proxy injects has the kind at position k of a sequence drawn from the seed, dealt from
 * shuffled bags that hold each kind {@link FaultPlan#weights() weight} times, so that every kind with a weight
 * comes up within any two bags' worth of faults. Thread timing still decides how the nodes' traffic and the faults
 * interleave, so a seed reproduces the plan, not every byte.
 *
 * <p><b>Threads.</b> Plain blocking sockets: one thread accepts and two per connection forward, daemon threads
 * named {@code fault-proxy-<port>}. A stall waits on the connection's monitor, so {@link #close()} ends it at
 * once. Thread-safe; {@link #close()} resets every connection and stops every thread.
 */
final class FaultInjectingProxy implements AutoCloseable {

    /** The faults the proxy injects. */
    enum Fault {
        /** Both sides closed with an RST. */
        RESET,
        /** A FIN to one side or to both; nothing more is forwarded to a side that got one. */
        CUT,
        /** Nothing forwarded for a while, then traffic goes on. */
        STALL,
        /** Nothing forwarded, closed or reset ever again on that connection. */
        BLACKHOLE
    }

    /** The window at the start of a connection in which an early fault falls, in bytes. */
    static final int EARLY_WINDOW_BYTES = 256;
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * What the proxy injects and how often. Immutable; start from {@link #NONE} or {@link #every}.
     *
     * @param minGapBytes fewest bytes one direction forwards between two faults, at least 1
     * @param maxGapBytes most bytes one direction forwards between two faults
     * @param earlyFaultChance chance, 0 to 1, that a connection's first fault falls within its first
     *     {@value #EARLY_WINDOW_BYTES} bytes
     * @param minStall shortest stall
     * @param maxStall longest stall
     * @param weights how often each kind comes up relative to the others; a kind that is absent never does
     */
    record FaultPlan(long minGapBytes, long maxGapBytes, double earlyFaultChance, Duration minStall, Duration maxStall,
                     Map<Fault, Integer> weights) {

        /** No faults at all: a plain proxy. */
        static final FaultPlan NONE = new FaultPlan(Long.MAX_VALUE, Long.MAX_VALUE, 0, Duration.ZERO, Duration.ZERO, Map.of());

        /** Default shortest stall: 50 ms. */
        static final Duration DEFAULT_MIN_STALL = Duration.ofMillis(50);
        /** Default longest stall: 1.5 s, longer than a heartbeat timeout a test would set. */
        static final Duration DEFAULT_MAX_STALL = Duration.ofMillis(1500);

        FaultPlan {
            if (minGapBytes < 1 || maxGapBytes < minGapBytes) {
                throw new IllegalArgumentException("fault gaps need 1 <= min <= max, got " + minGapBytes + " and " + maxGapBytes);
            }
            if (!(earlyFaultChance >= 0 && earlyFaultChance <= 1)) {
                throw new IllegalArgumentException("early fault chance must be between 0 and 1, got " + earlyFaultChance);
            }
            if (minStall.isNegative() || maxStall.compareTo(minStall) < 0) {
                throw new IllegalArgumentException("stalls need 0 <= min <= max, got " + minStall + " and " + maxStall);
            }
            weights.forEach((kind, w) -> {
                if (w < 0) {
                    throw new IllegalArgumentException("weight of " + kind + " must not be negative, got " + w);
                }
            });
            weights = weights.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(weights));
        }

        /**
         * Every kind with weight 1, a fault every {@code minGapBytes} to {@code maxGapBytes} bytes in each direction,
         * stalls of {@link #DEFAULT_MIN_STALL} to {@link #DEFAULT_MAX_STALL}, no early faults.
         */
        static FaultPlan every(long minGapBytes, long maxGapBytes) {
            Map<Fault, Integer> all = new EnumMap<>(Fault.class);
            for (Fault f : Fault.values()) {
                all.put(f, 1);
            }
            return new FaultPlan(minGapBytes, maxGapBytes, 0, DEFAULT_MIN_STALL, DEFAULT_MAX_STALL, all);
        }

        /** This plan with the kinds coming up in these proportions; a kind left out never comes up. */
        FaultPlan withWeights(Map<Fault, Integer> newWeights) {
            return new FaultPlan(minGapBytes, maxGapBytes, earlyFaultChance, minStall, maxStall, newWeights);
        }

        /** This plan with stalls of {@code min} to {@code max}. */
        FaultPlan withStalls(Duration min, Duration max) {
            return new FaultPlan(minGapBytes, maxGapBytes, earlyFaultChance, min, max, weights);
        }

        /** This plan with a connection's first fault early with chance {@code chance}. */
        FaultPlan withEarlyFaults(double chance) {
            return new FaultPlan(minGapBytes, maxGapBytes, chance, minStall, maxStall, weights);
        }

        boolean injectsFaults() {
            return weights.values().stream().anyMatch(w -> w > 0);
        }
    }

    private final ServerSocket server;
    private final long seed;
    private final FaultPlan plan;
    private final ExecutorService threads;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong forwarded = new AtomicLong();
    private final Map<Fault, AtomicInteger> counts = new EnumMap<>(Fault.class);
    private final Queue<String> faultLog = new ConcurrentLinkedQueue<>();
    private final Random kindRandom;
    private final ArrayDeque<Fault> kindBag = new ArrayDeque<>(); // guarded by itself
    private volatile InetSocketAddress target;
    private volatile boolean closed;

    /** A plain proxy to {@code targetPort} on loopback. */
    FaultInjectingProxy(int targetPort) throws IOException {
        this();
        forwardTo(targetPort);
    }

    /** A plain proxy whose target is set later with {@link #forwardTo}; until then it resets what it accepts. */
    FaultInjectingProxy() throws IOException {
        this(0, FaultPlan.NONE);
    }

    /**
     * A proxy that injects faults by {@code plan}, drawn from {@code seed}. Its target is set later with
     * {@link #forwardTo}; until then it resets what it accepts.
     */
    FaultInjectingProxy(long seed, FaultPlan plan) throws IOException {
        this.seed = seed;
        this.plan = Objects.requireNonNull(plan, "plan");
        this.kindRandom = new Random(seed);
        for (Fault f : Fault.values()) {
            counts.put(f, new AtomicInteger());
        }
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        String name = "fault-proxy-" + server.getLocalPort();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    /** Forwards connections accepted from now on to {@code targetPort} on loopback. */
    void forwardTo(int targetPort) {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    }

    /** The port the proxy listens on, on loopback. */
    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Bytes forwarded so far, both ways, over every connection. */
    long forwardedBytes() {
        return forwarded.get();
    }

    /** How many faults of {@code kind} were injected so far. */
    int count(Fault kind) {
        return counts.get(kind).get();
    }

    /** How many faults of each kind were injected so far. */
    Map<Fault, Integer> counts() {
        Map<Fault, Integer> out = new EnumMap<>(Fault.class);
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Faults injected so far, all kinds. */
    int faults() {
        return counts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** One line per fault injected so far, in order: connection, direction, bytes forwarded before it, kind. */
    List<String> faultLog() {
        return new ArrayList<>(faultLog);
    }

    /** Resets every connection the proxy carries now (not counted as an injected fault). */
    void resetAll() {
        for (Connection c : open) {
            c.reset();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        resetAll();
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "proxy :" + port() + " -> " + (target == null ? "?" : ":" + target.getPort()) + " " + counts();
    }

    // ---- accepting

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            int number = accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                InetSocketAddress to = target;
                if (to == null) {
                    throw new IOException("no target yet");
                }
                upstream.connect(to, (int) CONNECT_TIMEOUT.toMillis());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                abort(client);
                abort(upstream);
                continue;
            }
            Connection c = new Connection(number, client, upstream);
            open.add(c);
            try {
                threads.execute(c.fromClient);
                threads.execute(c.fromUpstream);
            } catch (RejectedExecutionException e) {
                c.reset(); // closed meanwhile
                return;
            }
        }
    }

    // ---- faults

    private Fault nextKind() {
        synchronized (kindBag) {
            if (kindBag.isEmpty()) {
                List<Fault> bag = new ArrayList<>();
                plan.weights().forEach((kind, w) -> bag.addAll(Collections.nCopies(w, kind)));
                Collections.shuffle(bag, kindRandom);
                kindBag.addAll(bag);
            }
            return kindBag.poll();
        }
    }

    private void inject(Pump p) {
        Fault kind = nextKind();
        Connection c = p.connection;
        String detail = switch (kind) {
            case RESET -> {
                c.reset();
                yield "";
            }
            case CUT -> {
                Side side = Side.values()[p.random.nextInt(Side.values().length)];
                c.cut(side);
                yield " with a FIN to " + side.name().toLowerCase();
            }
            case STALL -> {
                long millis = between(p.random, plan.minStall().toMillis(), plan.maxStall().toMillis());
                c.stall(millis);
                yield " for " + millis + " ms";
            }
            case BLACKHOLE -> {
                c.blackhole();
                yield "";
            }
        };
        counts.get(kind).incrementAndGet();
        faultLog.add("connection " + c.number + " " + p.name + " after " + p.forwarded + " bytes: " + kind + detail);
    }

    private long nextGap(Random random, boolean first) {
        if (!plan.injectsFaults()) {
            return Long.MAX_VALUE;
        }
        if (first && random.nextDouble() < plan.earlyFaultChance()) {
            return 1 + random.nextInt(EARLY_WINDOW_BYTES);
        }
        return between(random, plan.minGapBytes(), plan.maxGapBytes());
    }

    private static long between(Random random, long min, long max) {
        return min == max ? min : random.nextLong(min, max + 1);
    }

    /** SplitMix64's finaliser: seeds for neighbouring connections that share no obvious pattern. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The side of a connection a FIN goes to. */
    private enum Side { CLIENT, UPSTREAM, BOTH }

    /** One accepted connection and the one it opened to the target, forwarded both ways. */
    private final class Connection {
        final int number;
        final Socket client;
        final Socket upstream;
        final Pump fromClient;
        final Pump fromUpstream;
        // Guarded by this.
        private boolean reset;
        private boolean blackholed;
        private long stallUntilNanos;
        private int pumpsRunning = 2;

        Connection(int number, Socket client, Socket upstream) {
            this.number = number;
            this.client = client;
            this.upstream = upstream;
            this.fromClient = new Pump(this, client, upstream, "client->upstream", 0);
            this.fromUpstream = new Pump(this, upstream, client, "upstream->client", 1);
        }

        /** Closes both sides with an RST and ends any stall; idempotent. */
        void reset() {
            synchronized (this) {
                if (reset) {
                    return;
                }
                reset = true;
                notifyAll();
            }
            abort(client);
            abort(upstream);
            open.remove(this);
        }

        void cut(Side side) {
            if (side != Side.UPSTREAM) {
                fromUpstream.dropping = true; // set first: a write failing on the shut socket then is expected
                shutdownOutput(client);
            }
            if (side != Side.CLIENT) {
                fromClient.dropping = true;
                shutdownOutput(upstream);
            }
        }

        synchronized void stall(long millis) {
            stallUntilNanos = Math.max(stallUntilNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
        }

        void blackhole() {
            synchronized (this) {
                blackholed = true;
            }
            fromClient.dropping = true;
            fromUpstream.dropping = true;
        }

        synchronized boolean isBlackholed() {
            return blackholed;
        }

        /** Waits out a stall; false if the connection was reset meanwhile. */
        synchronized boolean awaitStall() throws IOException {
            while (!reset) {
                long left = stallUntilNanos - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted in a stall", e);
                }
            }
            return false;
        }

        /** A direction ended; once both have, the sockets are closed. */
        void pumpDone() {
            synchronized (this) {
                if (--pumpsRunning > 0) {
                    return;
                }
            }
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(this);
        }
    }

    /** One direction of a connection. */
    private final class Pump implements Runnable {
        final Connection connection;
        final Socket from;
        final Socket to;
        final String name;
        final Random random;
        long forwarded;
        private long untilFault;
        /** Nothing more is forwarded this way: the destination got a FIN from the proxy, or a blackhole. */
        volatile boolean dropping;

        Pump(Connection connection, Socket from, Socket to, String name, int direction) {
            this.connection = connection;
            this.from = from;
            this.to = to;
            this.name = name;
            this.random = new Random(mix(seed ^ mix(2L * connection.number + direction)));
            this.untilFault = nextGap(random, true);
        }

        @Override
        public void run() {
            byte[] buf = new byte[BUFFER_BYTES];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    forward(out, buf, n);
                }
                if (!dropping) {
                    shutdownOutput(to); // pass the sender's FIN on
                }
            } catch (IOException e) {
                if (!connection.isBlackholed()) {
                    connection.reset(); // a reset on one side is passed on as a reset, as a router's would be
                }
            } finally {
                connection.pumpDone();
            }
        }

        private void forward(OutputStream out, byte[] buf, int n) throws IOException {
            int off = 0;
            while (off < n && !dropping) {
                if (!connection.awaitStall()) {
                    return;
                }
                int len = (int) Math.min(n - off, untilFault);
                try {
                    out.write(buf, off, len);
                } catch (IOException e) {
                    if (dropping) {
                        return; // the proxy shut this output itself
                    }
                    throw e;
                }
                off += len;
                forwarded += len;
                FaultInjectingProxy.this.forwarded.addAndGet(len);
                untilFault -= len;
                if (untilFault == 0) {
                    untilFault = nextGap(random, false);
                    inject(this);
                }
            }
        }
    }

    private static void shutdownOutput(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException ignored) {
            // closed or reset already
        }
    }

    private static void abort(Socket s) {
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0);
            }
        } catch (IOException ignored) {
            // closed already
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
    }
}
