package io.parley.messaging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between nodes: certificates from one CA let nodes talk; a certificate from another CA, a certificate for
 * another node id, or a peer without TLS is refused with a reason, and the nodes go on serving each other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestCertificates.Ca ca;
    private final List<Node> nodes = new ArrayList<>();

    @BeforeEach
    void makeCa() {
        ca = TestCertificates.Ca.create("cluster", dir);
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(Node::close);
    }

    private Node start(NodeBuilder builder) {
        Node n = builder.reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        nodes.add(n);
        return n.start();
    }

    private static String address(Node n) {
        return "127.0.0.1:" + n.localAddress().getPort();
    }

    @Test
    void nodesWithCertificatesOfOneCaExchangeMessagesBothWays() throws Exception {
        Node a = start(Node.builder().id("a").tls(ca.tlsFor("a")));
        Node b = start(Node.builder().id("b").tls(ca.tlsFor("b")).peer("a=" + address(a)));

        Receipt toA = b.send("a", "over TLS".getBytes(UTF_8)).get(20, TimeUnit.SECONDS);
        Receipt toB = a.send("b", "and back".getBytes(UTF_8)).get(20, TimeUnit.SECONDS);

        assertThat(toA.status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(toB.status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(a.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()))
                .extracting(Message::text).containsExactly("over TLS");
    }

    /**
     * With client certificates a node takes members only from sessions whose handshake proved the peer's id: both
     * sides of a TLS handshake with client certificates do, so c, which knows only b, learns of a from b.
     */
    @Test
    void withMutualAuthenticationMembersNamedByAnAuthenticatedPeerAreLearnt() {
        Node a = start(Node.builder().id("a").tls(ca.tlsFor("a")));
        Node b = start(Node.builder().id("b").tls(ca.tlsFor("b")).peer("a=" + address(a)));
        await().atMost(Duration.ofSeconds(20)).until(() -> a.peers().stream().anyMatch(p -> p.state() == PeerState.UP));
        Node c = start(Node.builder().id("c").tls(ca.tlsFor("c")).seed(address(b)));

        await().atMost(Duration.ofSeconds(20)).until(() -> c.peers().stream().filter(p -> p.state() == PeerState.UP)
                .map(p -> p.id().value()).toList().containsAll(List.of("a", "b")));
    }

    @Test
    void aNodeWithACertificateOfAnotherCaIsRefusedAndTheOthersGoOn() throws Exception {
        Node a = start(Node.builder().id("a").tls(ca.tlsFor("a")));
        Node b = start(Node.builder().id("b").tls(ca.tlsFor("b")).peer("a=" + address(a)));
        // m trusts the cluster's CA, but its own certificate comes from a CA the cluster does not trust.
        TestCertificates.NodeFiles stranger = TestCertificates.Ca.create("stranger", dir).issue("m");
        Node m = start(Node.builder().id("m").peer("a=" + address(a)).tls(Tls.builder()
                .keyPair(stranger.certificate(), stranger.key()).trustedCertificates(ca.certificateFile()).build()));

        await().atMost(WAIT).until(() -> lastError(m, "a").isPresent());
        assertThat(lastError(m, "a").orElseThrow()).containsIgnoringCase("TLS");
        assertThat(m.send("a", "let me in".getBytes(UTF_8))).isNotDone();
        assertThat(b.send("a", "still here".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(a.peers()).extracting(PeerInfo::id).doesNotContain(NodeId.of("m"));
    }

    @Test
    void aValidCertificateForAnotherNodeIdIsRefusedOnBothSidesOfTheHandshake() {
        Node a = start(Node.builder().id("a").tls(ca.tlsFor("a")));
        // "bob" holds a certificate the CA gave mallory. build() refuses that; a node made past the check shows it.
        TestCertificates.NodeFiles mallory = ca.issue("mallory");
        Tls borrowed = Tls.builder().keyManagers(mallory.keyManagers()).trustedCertificates(ca.certificateFile()).build();
        assertThatThrownBy(() -> Node.builder().id("bob").tls(borrowed).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no TLS certificate of the key managers names this node's id 'bob'");
        Node bob = new Node(Node.builder().id("bob").tls(borrowed).peer("a=" + address(a))
                .reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).config(), false);
        nodes.add(bob);
        bob.start();

        // bob dials a: a refuses the Hello, as bob's certificate names mallory.
        await().atMost(WAIT).until(() -> lastError(bob, "a").isPresent());
        assertThat(lastError(bob, "a").orElseThrow()).contains("says it is 'bob'").contains("names mallory");

        // a dials bob: a refuses the Welcome for the same reason.
        a.addPeer(PeerAddress.parse("bob=" + address(bob)));
        await().atMost(WAIT).until(() -> lastError(a, "bob").isPresent());
        assertThat(lastError(a, "bob").orElseThrow()).contains("says it is 'bob'").contains("names mallory");
        assertThat(a.peers()).filteredOn(p -> p.id().value().equals("bob")).extracting(PeerInfo::state)
                .containsOnly(PeerState.DOWN);
    }

    @Test
    void aNodeWithoutTlsAndANodeWithTlsCannotTalkAndSayWhy() throws Exception {
        Node secure = start(Node.builder().id("secure").tls(ca.tlsFor("secure")));
        Node plain = start(Node.builder().id("plain").peer("secure=" + address(secure)));
        await().atMost(WAIT).until(() -> lastError(plain, "secure").isPresent());
        assertThat(plain.send("secure", "hello?".getBytes(UTF_8))).isNotDone();

        secure.addPeer(PeerAddress.parse("plain=" + address(plain)));
        await().atMost(WAIT).until(() -> lastError(secure, "plain").isPresent());
        assertThat(lastError(secure, "plain").orElseThrow()).contains("TLS handshake").contains("does not speak TLS");

        // The secure node still serves TLS peers.
        Node friend = start(Node.builder().id("friend").tls(ca.tlsFor("friend")).peer("secure=" + address(secure)));
        assertThat(friend.send("secure", "hi".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
    }

    @Test
    void withoutMutualAuthenticationOnlyTheAcceptingSideShowsACertificate() throws Exception {
        Tls serverOnly = Tls.builder().keyPair(ca.issue("a").certificate(), dir.resolve("a.key"))
                .trustedCertificates(ca.certificateFile()).mutualAuthentication(false).build();
        Node a = start(Node.builder().id("a").tls(serverOnly));
        // Its own certificate is from a CA that a does not trust; a does not ask for it.
        TestCertificates.NodeFiles stranger = TestCertificates.Ca.create("stranger", dir).issue("m");
        Node m = start(Node.builder().id("m").peer("a=" + address(a)).tls(Tls.builder()
                .keyPair(stranger.certificate(), stranger.key()).trustedCertificates(ca.certificateFile())
                .mutualAuthentication(false).build()));

        assertThat(m.send("a", "taken on my word".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
    }

    @Test
    void keyMaterialThatCannotBeUsedIsNamedWhenTheNodeIsBuilt() throws Exception {
        Path missing = dir.resolve("nowhere.crt");
        assertThatThrownBy(() -> Node.builder().id("a").tls(Tls.builder().keyPair(missing, dir.resolve("nowhere.key"))
                .trustedCertificates(ca.certificateFile()).build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nowhere.crt");

        TestCertificates.NodeFiles other = ca.issue("other");
        assertThatThrownBy(() -> Node.builder().id("a").tls(Tls.builder().keyPair(other.certificate(), other.key())
                .trustedCertificates(ca.certificateFile()).build()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names other, not this node's id 'a'");

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        TestCertificates.NodeFiles own = ca.issue("a");
        assertThatThrownBy(() -> Node.builder().id("a").tls(Tls.builder().keyPair(own.certificate(), own.key())
                .trustedCertificates(garbage).build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot load the TLS key material");

        assertThatThrownBy(() -> Tls.builder().trustedCertificates(ca.certificateFile()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate and key");
    }

    @Test
    void aCertificateNamingTheNodeOnlyInItsCommonNameIsEnough() throws Exception {
        TestCertificates.NodeFiles cnOnly = ca.issue("a-cn", "a");
        Node a = start(Node.builder().id("a").tls(Tls.builder().keyPair(cnOnly.certificate(), cnOnly.key())
                .trustedCertificates(ca.certificateFile()).build()));
        Node b = start(Node.builder().id("b").tls(ca.tlsFor("b")).peer("a=" + address(a)));

        assertThat(b.send("a", "by CN".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status()).isEqualTo(DeliveryStatus.DELIVERED);
    }

    @Test
    void aCommonNameCountsOnlyAloneAndInACertificateWithNoAlternativeNames() {
        Path trusted = ca.certificateFile();
        // A URI alternative name (as SPIFFE certificates have): the CN is not a node id then.
        TestCertificates.NodeFiles uri = ca.issueRaw("uri", "CN=a",
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://cluster/a"));
        assertThatThrownBy(() -> Node.builder().id("a").tls(Tls.builder().keyPair(uri.certificate(), uri.key())
                .trustedCertificates(trusted).build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no node id");
        // Two CNs: which one is meant is not guessed.
        TestCertificates.NodeFiles twoCns = ca.issueRaw("two-cns", "CN=a, CN=b");
        assertThatThrownBy(() -> Node.builder().id("a").tls(Tls.builder().keyPair(twoCns.certificate(), twoCns.key())
                .trustedCertificates(trusted).build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no node id");
        // Names compare exactly, case included.
        TestCertificates.NodeFiles lower = ca.issue("lower", "alice", "alice");
        assertThatThrownBy(() -> Node.builder().id("Alice").tls(Tls.builder().keyPair(lower.certificate(), lower.key())
                .trustedCertificates(trusted).build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names alice, not this node's id 'Alice'");
    }

    private static Optional<String> lastError(Node n, String peer) {
        return n.peers().stream().filter(p -> p.id().value().equals(peer)).findFirst().flatMap(PeerInfo::lastError);
    }
}
