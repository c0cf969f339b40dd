package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockHound;

/**
 * With BlockHound watching every event loop thread, a busy exchange with handshakes, acks, heartbeats, cut
 * connections, reconnects, refusals and shutdown makes no blocking call on an event loop. Runs in a JVM of its
 * own (see the surefire execution "no-blocking-on-event-loops").
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NoBlockingOnEventLoopTest {

    private static final List<String> BLOCKING_CALLS = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void installBlockHound() {
        BlockHound.builder()
                .loadIntegrations()
                // Netty's own adaptive buffer allocator briefly locks when it grows its magazines under contention
                // (Netty 4.2.18's BlockHound integration does not list it yet); that is Netty's design, not Parley's.
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
                .nonBlockingThreadPredicate(p -> p.or(t -> t instanceof FastThreadLocalThread && t.getName().contains("-io-")))
                .blockingMethodCallback(m -> BLOCKING_CALLS.add(m + " on " + Thread.currentThread().getName()
                        + " at " + stack()))
                .install();
    }

    @Test
    void eventLoopsNeverBlockThroughTrafficCutsRefusalsMembershipAndShutdown() throws Exception {
        assertThat(blockHoundDetectsParkingOnAnEventLoop()).as("BlockHound is active").isTrue();
        BLOCKING_CALLS.clear();

        // a and b prove a cluster secret in every handshake: nonces and proofs are made on event loops too.
        byte[] secret = "a cluster secret of 32 bytes....".getBytes(StandardCharsets.UTF_8);
        try (Node b = Node.builder().id("b").clusterSecret(secret).reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
                .build().start();
             FaultInjectingProxy toB = new FaultInjectingProxy(b.localAddress().getPort());
             Node a = Node.builder().id("a").clusterSecret(secret).reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
                     .heartbeat(Duration.ofMillis(50), Duration.ofSeconds(5))
                     .peer("b", "localhost", toB.port()).build().start();
             Node wrongCluster = Node.builder().id("c").cluster("other")
                     .peer("b", "127.0.0.1", b.localAddress().getPort()).build().start();
             Node wrongSecret = Node.builder().id("w").clusterSecret("not the secret that a and b hold".getBytes(StandardCharsets.UTF_8))
                     .peer("b", "127.0.0.1", b.localAddress().getPort()).build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> a.peers().get(0).state() == PeerState.UP);
            List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                receipts.add(a.send("b", ("a" + i).getBytes(StandardCharsets.UTF_8)));
                if (i == 2_500) {
                    toB.resetAll();
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> b.peers().stream().anyMatch(p -> p.id().value().equals("a")));
            for (int i = 0; i < 5_000; i++) {
                receipts.add(b.send("a", ("b" + i).getBytes(StandardCharsets.UTF_8)));
            }
            CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            // Idle links ping every 50 ms; let some heartbeats happen.
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.peers().get(0).roundTrip().isZero());
            assertThat(wrongCluster.peers().get(0).lastError()).isPresent();
            await().atMost(Duration.ofSeconds(10)).until(() -> wrongSecret.peers().get(0).lastError().isPresent());

            // Membership: a seed, gossip, DNS discovery, peer events, a broadcast with a deadline, and a peer that
            // falls silent and is judged down.
            List<PeerEvent> events = new CopyOnWriteArrayList<>();
            String seedB = "127.0.0.1:" + b.localAddress().getPort();
            try (Node d = Node.builder().id("d").clusterSecret(secret).seed(seedB).gossipInterval(Duration.ofMillis(50))
                    .onPeerEvent(events::add).build()
                    .dnsResolver(name -> List.of(java.net.InetAddress.getLoopbackAddress()))
                    .start();
                 Node e = Node.builder().id("e").clusterSecret(secret).seed(seedB).gossipInterval(Duration.ofMillis(50))
                         .discoverDns("parley.test", b.localAddress().getPort(), Duration.ofMillis(50)).build()
                         .dnsResolver(name -> List.of(java.net.InetAddress.getLoopbackAddress())).start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> d.peers().size() == 3
                        && d.peers().stream().allMatch(p -> p.state() == PeerState.UP));
                BroadcastReceipt all = d.broadcast("to all".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10))
                        .get(20, TimeUnit.SECONDS);
                assertThat(all.delivered()).hasSize(3);
                await().atMost(Duration.ofSeconds(10)).until(() -> e.peers().size() == 3);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 3);
        }

        // TLS: handshakes both ways, traffic, and a certificate of a CA the others do not trust.
        java.nio.file.Path certs = java.nio.file.Files.createTempDirectory("parley-tls");
        TestCertificates.Ca ca = TestCertificates.Ca.create("cluster", certs);
        TestCertificates.NodeFiles stranger = TestCertificates.Ca.create("stranger", certs).issue("h");
        try (Node f = Node.builder().id("f").tls(ca.tlsFor("f")).build().start();
             Node g = Node.builder().id("g").tls(ca.tlsFor("g")).peer("f", "127.0.0.1", f.localAddress().getPort())
                     .build().start();
             Node h = Node.builder().id("h").peer("f", "127.0.0.1", f.localAddress().getPort())
                     .tls(Tls.builder().keyPair(stranger.certificate(), stranger.key())
                             .trustedCertificates(ca.certificateFile()).build()).build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> f.peers().stream()
                    .anyMatch(p -> p.id().value().equals("g") && p.state() == PeerState.UP));
            List<CompletableFuture<Receipt>> overTls = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                overTls.add(g.send("f", ("g" + i).getBytes(StandardCharsets.UTF_8)));
                overTls.add(f.send("g", ("f" + i).getBytes(StandardCharsets.UTF_8)));
            }
            CompletableFuture.allOf(overTls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.peers().get(0).lastError().isPresent());
        }
        assertThat(BLOCKING_CALLS).as("blocking calls on event loops").isEmpty();
    }

    private static boolean blockHoundDetectsParkingOnAnEventLoop() throws Exception {
        // A deliberate blocking call on a thread that looks like an event loop: BlockHound must report it.
        Thread t = new FastThreadLocalThread(() -> LockSupport.parkNanos(1_000_000), "probe-io-1");
        BLOCKING_CALLS.clear();
        t.start();
        t.join(5_000);
        return BLOCKING_CALLS.stream().anyMatch(c -> c.contains("park"));
    }

    private static String stack() {
        StringBuilder s = new StringBuilder();
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            String c = e.getClassName();
            if (c.startsWith("io.parley") || c.startsWith("io.netty")) {
                s.append("\n    ").append(e);
            }
        }
        return s.toString();
    }
}
