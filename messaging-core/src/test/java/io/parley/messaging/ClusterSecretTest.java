package io.parley.messaging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.google.protobuf.ByteString;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Proof;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nodes with a cluster secret, over real sockets: nodes with the same secret talk; a node with another secret, or
 * none, can neither join nor take the messages queued for the id of a node that is down; a stranger replaying a
 * connected node's id and incarnation gets nowhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterSecretTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final byte[] SECRET = "the cluster's secret, 32 bytes!!".getBytes(UTF_8);
    private static final byte[] WRONG = "not the cluster's secret at all".getBytes(UTF_8);

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(Node::close);
    }

    private Node start(NodeBuilder builder) {
        Node n = builder.reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        nodes.add(n);
        return n.start();
    }

    @Test
    void nodesWithTheSameSecretExchangeMessagesBothWays() throws Exception {
        Node a = start(Node.builder().id("a").clusterSecret(SECRET));
        Node b = start(Node.builder().id("b").clusterSecret(SECRET).peer("a", "127.0.0.1", a.localAddress().getPort()));

        await().atMost(WAIT).until(() -> state(a, "b") == PeerState.UP);
        assertThat(b.send("a", "proved".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(a.send("b", "and back".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
    }

    @Test
    void aNodeWithAnotherSecretCannotTakeTheIdOfANodeThatIsDownNorItsQueuedMessages() throws Exception {
        List<Message> seenByStranger = new CopyOnWriteArrayList<>();
        Node a = start(Node.builder().id("a").clusterSecret(SECRET));
        Node b = start(Node.builder().id("b").clusterSecret(SECRET).peer("a", "127.0.0.1", a.localAddress().getPort()));
        await().atMost(WAIT).until(() -> state(a, "b") == PeerState.UP);
        assertThat(a.send("b", "first".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
        b.close();
        await().atMost(WAIT).until(() -> state(a, "b") != PeerState.UP);
        CompletableFuture<Receipt> queued = a.send("b", "for b only".getBytes(UTF_8));

        Node stranger = start(Node.builder().id("b").clusterSecret(WRONG).onMessage(seenByStranger::add)
                .peer("a", "127.0.0.1", a.localAddress().getPort()));

        String why = await().atMost(WAIT).until(() -> lastError(stranger, "a").orElse(null), e -> e != null);
        // The stranger finds out first: a's proof does not match its secret, so it never proves anything itself.
        assertThat(why).contains("node 'a'", "did not prove it holds this cluster's secret");
        logs.awaitLine(Level.WARN, "a: connection refused by", "did not prove it holds this cluster's secret",
                "(NOT_AUTHENTICATED)");
        assertThat(state(a, "b")).isNotEqualTo(PeerState.UP);
        assertThat(queued).isNotDone();
        assertThat(seenByStranger).isEmpty();
        assertThat(stranger.history(HistoryQuery.all())).isEmpty();

        // A node without any secret fares no better, and is told why.
        Node plain = start(Node.builder().id("c").peer("a", "127.0.0.1", a.localAddress().getPort()));
        String plainWhy = await().atMost(WAIT).until(() -> lastError(plain, "a").orElse(null), e -> e != null);
        assertThat(plainWhy).contains("this node requires a cluster secret");

        // The queued message waits for the real b, which has the secret.
        stranger.close();
        Node realB = start(Node.builder().id("b").clusterSecret(SECRET).peer("a", "127.0.0.1", a.localAddress().getPort()));
        assertThat(queued.get(20, TimeUnit.SECONDS).status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(realB.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()))
                .extracting(Message::text).contains("for b only");
    }

    @Test
    void aStrangerReplayingAConnectedNodesIdAndIncarnationIsRefusedAndTheRealLinkStays() throws Exception {
        Node a = start(Node.builder().id("a").clusterSecret(SECRET));
        Node b = start(Node.builder().id("b").clusterSecret(SECRET).peer("a", "127.0.0.1", a.localAddress().getPort()));
        await().atMost(WAIT).until(() -> state(a, "b") == PeerState.UP);

        try (RawPeer raw = RawPeer.connect(a)) {
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            Frame hello = RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, "b", b.incarnation());
            raw.send(hello.toBuilder().setHello(hello.getHello().toBuilder().setNonce(ByteString.copyFrom(nonce))).build());
            Frame challenge = raw.read();
            assertThat(challenge.hasChallenge()).isTrue();
            assertThat(challenge.getChallenge().getNodeId()).isEqualTo("a");
            // Without the secret the stranger can only guess, or send back a's own proof.
            raw.send(Frame.newBuilder().setProof(Proof.newBuilder().setProof(challenge.getChallenge().getProof())).build());

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_NOT_AUTHENTICATED);
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "a: refusing connection", "node 'b'", "did not prove it holds this cluster's secret");
        }
        assertThat(state(a, "b")).isEqualTo(PeerState.UP);
        assertThat(b.send("a", "still me".getBytes(UTF_8)).get(20, TimeUnit.SECONDS).status())
                .isEqualTo(DeliveryStatus.DELIVERED);
    }

    @Test
    void aSecretShorterThanSixteenBytesIsRefusedAndTheSecretIsCopied() {
        assertThatThrownBy(() -> Node.builder().clusterSecret(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster secret must be at least 16 bytes, got 15");

        byte[] secret = SECRET.clone();
        NodeBuilder builder = Node.builder().id("a").clusterSecret(secret);
        secret[0] ^= 1;
        NodeConfig config = builder.config();

        assertThat(config.clusterSecret()).isEqualTo(SECRET);
        assertThat(config.hasClusterSecret()).isTrue();
        assertThat(config.toString()).doesNotContain(new String(SECRET, UTF_8));
        assertThat(Node.builder().id("a").config().hasClusterSecret()).isFalse();
    }

    private static PeerState state(Node node, String peer) {
        return node.peers().stream().filter(p -> p.id().value().equals(peer)).findFirst().map(PeerInfo::state).orElse(null);
    }

    private static Optional<String> lastError(Node n, String peer) {
        return n.peers().stream().filter(p -> p.id().value().equals(peer)).findFirst().flatMap(PeerInfo::lastError);
    }
}
