package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Finding the cluster: seeds whose ids are not known, gossip that carries members along, DNS names resolved again
 * and again, and a node that never dials itself.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(Node::close);
    }

    private Node start(NodeBuilder builder) {
        Node n = builder.gossipInterval(Duration.ofMillis(200)).build().start();
        nodes.add(n);
        return n;
    }

    private static String at(Node n) {
        return "127.0.0.1:" + n.localAddress().getPort();
    }

    private static void awaitSeesUp(Node n, String... peers) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(n.peers())
                .filteredOn(p -> p.state() == PeerState.UP)
                .extracting(p -> p.id().value())
                .containsExactlyInAnyOrder(peers));
    }

    @Test
    void aSeedWhoseIdIsUnknownIsLearntFromItsWelcomeAndThenUsedByName() {
        Node a = start(Node.builder().id("a"));
        Node b = start(Node.builder().id("b").seed(at(a)));

        awaitSeesUp(b, "a");
        awaitSeesUp(a, "b");
        assertThat(b.peers()).singleElement().satisfies(p -> assertThat(p.address()).contains(at(a)));
        assertThat(b.send("a", "by name".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT);
        logs.awaitLine(Level.INFO, "b: " + at(a) + " is node a");
    }

    @Test
    void membersKnownToASeedAreLearntThroughGossipAndDialled() {
        Node a = start(Node.builder().id("a"));
        Node b = start(Node.builder().id("b").seed(at(a)));
        awaitSeesUp(a, "b");
        // c knows only b; a reaches it through b's Welcome, and a learns of c when c dials it.
        Node c = start(Node.builder().id("c").seed(at(b)));

        awaitSeesUp(c, "a", "b");
        awaitSeesUp(a, "b", "c");
        awaitSeesUp(b, "a", "c");
        logs.awaitLine(Level.INFO, "c: learned of a at " + at(a) + " from b");
    }

    @Test
    void aChainOfSeedsBecomesAFullMesh() {
        // Each node knows only the one before it; what each learns it passes on in handshakes and gossip.
        Node a = start(Node.builder().id("a"));
        Node b = start(Node.builder().id("b").seed(at(a)));
        awaitSeesUp(b, "a");
        Node c = start(Node.builder().id("c").seed(at(b)));
        Node d = start(Node.builder().id("d").seed(at(c)));

        for (Node n : List.of(a, b, c, d)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(n.peers()).hasSize(3)
                    .allMatch(p -> p.state() == PeerState.UP));
        }
    }

    @Test
    void aSeedThatIsThisNodesOwnAddressIsNotDialled() {
        Node a = start(Node.builder().id("a").listen("127.0.0.2", 0));
        int port = a.localAddress().getPort();
        // b listens at the same port on another loopback address. Its seeds: its own address written as a is
        // advertised (recognised before dialling), the same address written as an IPv4-mapped IPv6 literal (only
        // recognised when its own Hello comes back to it), and a.
        Node b = start(Node.builder().id("b").listen("127.0.0.3", port)
                .seed("127.0.0.3:" + port).seed("[::ffff:127.0.0.3]:" + port).seed("127.0.0.2:" + port));

        awaitSeesUp(b, "a");
        logs.awaitLine(Level.INFO, "b: [::ffff:127.0.0.3]:" + port + " is this node's own address");
        assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARN") && l.contains("b:"));
        assertThat(b.peers()).extracting(p -> p.id().value()).containsExactly("a");
    }

    @Test
    void aSecondNodeWithATakenIdFoundThroughASeedIsRefusedOnBothSides() {
        Node b = start(Node.builder().id("b"));
        Node a = start(Node.builder().id("a").seed(at(b)));
        awaitSeesUp(b, "a");

        Node impostor = start(Node.builder().id("a").seed(at(b)));

        logs.awaitLine(Level.WARN, "b: refusing connection", "node id 'a' is already in use");
        logs.awaitLine(Level.WARN, "a: connection refused by", "node id 'a' is already in use", "DUPLICATE_NODE_ID");
        assertThat(impostor.peers()).noneMatch(p -> p.state() == PeerState.UP);
        assertThat(b.send("a", "to the real a".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT);
        assertThat(a.history(HistoryQuery.builder().direction(Direction.RECEIVED).build())).hasSize(1);
    }

    @Test
    void dnsNameIsResolvedAgainAndNewMembersAreDialled() {
        Node a = start(Node.builder().id("a").listen("127.0.0.2", 0));
        int port = a.localAddress().getPort();
        Node c = start(Node.builder().id("c").listen("127.0.0.4", port)); // knows no one, dials no one
        List<String> listed = new CopyOnWriteArrayList<>(List.of("127.0.0.2", "127.0.0.3"));
        List<String> resolvedOn = new CopyOnWriteArrayList<>();
        Node b = Node.builder().id("b").listen("127.0.0.3", port).gossipInterval(Duration.ofMillis(200))
                .discoverDns("parley.test", port, Duration.ofMillis(100)).build()
                .dnsResolver(name -> {
                    resolvedOn.add(Thread.currentThread().getName());
                    List<InetAddress> out = new ArrayList<>();
                    for (String ip : listed) {
                        out.add(InetAddress.getByName(ip));
                    }
                    return out;
                });
        nodes.add(b.start());

        awaitSeesUp(b, "a");
        assertThat(c.peers()).isEmpty();

        listed.add("127.0.0.4"); // c joins the DNS name

        awaitSeesUp(b, "a", "c");
        awaitSeesUp(c, "a", "b"); // a through b's Welcome
        assertThat(resolvedOn).allMatch(t -> t.contains("resolver")).hasSizeGreaterThan(2);
        assertThat(b.peers()).noneMatch(p -> p.id().equals(b.id()));
    }

    @Test
    void dnsNameThatStopsResolvingKeepsWhatItFound() {
        Node a = start(Node.builder().id("a").listen("127.0.0.2", 0));
        int port = a.localAddress().getPort();
        List<Boolean> failing = new CopyOnWriteArrayList<>(List.of(false));
        Node b = Node.builder().id("b").listen("127.0.0.3", port)
                .discoverDns("parley.test", port, Duration.ofMillis(50)).build()
                .dnsResolver(name -> {
                    if (failing.get(0)) {
                        throw new UnknownHostException(name);
                    }
                    return List.of(InetAddress.getByName("127.0.0.2"));
                });
        nodes.add(b.start());
        awaitSeesUp(b, "a");

        failing.set(0, true);

        logs.awaitLine(Level.INFO, "b: cannot resolve parley.test", "keeping the 1 addresses it had");
        assertThat(b.send("a", "still here".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT);
        awaitSeesUp(b, "a");
    }
}
