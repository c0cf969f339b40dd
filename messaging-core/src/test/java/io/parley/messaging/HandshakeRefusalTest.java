package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Welcome;
import com.google.protobuf.ByteString;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way a connection can be refused during (or, for framing, after) the handshake: the peer gets an Error
 * frame with the right code and then end of stream, the refusing node logs why, and it goes on serving a healthy
 * peer that was connected all along.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HandshakeRefusalTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String HUB = "hub";
    private static final String HEALTHY = "healthy";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    // ---- wrong cluster

    @Test
    void nodeOfAnotherClusterIsRefusedAndBothSidesSaySo() {
        try (Node hub = Node.builder().id(HUB).cluster("y").build().start();
             Node healthy = healthyPeerOf(hub);
             Node intruder = Node.builder().id("intruder").cluster("x")
                     .peer(HUB, "127.0.0.1", hub.localAddress().getPort()).build().start()) {

            logs.awaitLine(Level.WARN, "hub: refusing connection", "\"intruder\"", "cluster \"x\"", "cluster \"y\"");
            logs.awaitLine(Level.WARN, "intruder: connection refused by", "cluster \"x\"", "cluster \"y\"", "(WRONG_CLUSTER)");
            String lastError = awaitLastError(intruder, HUB);
            assertThat(lastError).contains("cluster \"x\"", "cluster \"y\"", "WRONG_CLUSTER");
            assertThat(peer(intruder, HUB).state()).isNotEqualTo(PeerState.UP);
            assertThat(hub.peers()).extracting(PeerInfo::id).containsExactly(NodeId.of(HEALTHY));

            assertStillServes(hub, healthy);
        }
    }

    @Test
    void aLongClusterNameIsCutInTheErrorFrameAndInTheLogLine() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             RawPeer raw = RawPeer.connect(hub)) {
            // as long as a Hello may be (a longer one is refused unread: see the next test)
            raw.send(RawPeer.hello(1, "c".repeat(Limits.DEFAULT_MAX_CONTROL_FRAME_BYTES - 200) + "\nWARN forged line",
                    "raw", 42));

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_WRONG_CLUSTER);
            assertThat(error.getMessage()).hasSizeLessThan(1000).contains("chars)", "\"raw\"").doesNotContain("\n");
            String line = logs.awaitLine(Level.WARN, "hub: refusing connection", "is in cluster \"ccc");
            assertThat(line).hasSizeLessThan(1000).doesNotContain("forged");
        }
    }

    @Test
    void aHelloOfMegabytesOfMembersIsRefusedBeforeItIsParsed() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {
            io.parley.messaging.proto.v1.Hello.Builder hello = RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, "bomb", 42)
                    .getHello().toBuilder();
            for (int i = 0; i < 100_000; i++) {
                hello.addMembers(io.parley.messaging.proto.v1.Member.newBuilder().setNodeId("m" + i)
                        .setAdvertisedAddress("10.0." + (i >> 8 & 255) + "." + (i & 255) + ":7000"));
            }
            try {
                raw.send(Frame.newBuilder().setHello(hello).build());
            } catch (java.io.IOException refusedBeforeItWasAllWritten) {
                // the node refuses it from its length and first byte, and closes
            }

            List<Frame> answer = raw.readUntilClosedByNode();
            assertThat(answer).allSatisfy(f -> {
                assertThat(f.getError().getCode()).isEqualTo(Error.Code.CODE_FRAME_TOO_LARGE);
                assertThat(f.getError().getMessage()).contains("not one Envelope", "at most "
                        + Limits.DEFAULT_MAX_CONTROL_FRAME_BYTES);
            });
            await().atMost(WAIT).until(() -> hub.limitsReached().get(Limit.CONTROL_FRAME_SIZE) == 1);
            assertThat(hub.limitsReached().get(Limit.CONTROL_FRAME_SIZE)).isEqualTo(1);
            assertThat(hub.peers()).extracting(PeerInfo::id).containsExactly(NodeId.of(HEALTHY));
            assertStillServes(hub, healthy);
        }
    }

    @Test
    void aLongGoodbyeReasonIsOneShortLogLine() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             RawPeer raw = RawPeer.connect(hub)) {
            handshakeAsRaw(hub, raw);
            raw.send(Frame.newBuilder().setGoodbye(io.parley.messaging.proto.v1.Goodbye.newBuilder()
                    .setReason("bye\nERROR forged " + "r".repeat(Limits.DEFAULT_MAX_CONTROL_FRAME_BYTES - 200))).build());

            String line = logs.awaitLine(Level.INFO, "hub: raw is leaving");
            assertThat(line).hasSizeLessThan(1000).contains("bye\\nERROR forged", "chars)").doesNotContain("\n");
        }
    }

    // ---- unsupported version

    @Test
    void helloWithUnsupportedVersionGetsUnsupportedVersionErrorThenEof() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {

            raw.send(RawPeer.hello(2, NodeBuilder.DEFAULT_CLUSTER, "raw", 42));

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_UNSUPPORTED_VERSION);
            assertThat(error.getMessage()).contains("protocol version 2", "version 1");
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: refusing connection", "protocol version 2");

            assertStillServes(hub, healthy);
        }
    }

    // ---- duplicate node id

    @Test
    void secondLiveNodeWithTheSameIdIsRefusedAndTheRealLinkKeepsWorking() throws Exception {
        List<Message> seenByB = new CopyOnWriteArrayList<>();
        List<Message> seenByA = new CopyOnWriteArrayList<>();
        try (Node b = Node.builder().id("b").onMessage(seenByB::add).build().start();
             Node a = Node.builder().id("a").peer("b", "127.0.0.1", b.localAddress().getPort())
                     .onMessage(seenByA::add).build().start()) {
            awaitUp(a, "b");
            awaitUp(b, "a");

            try (Node impostor = Node.builder().id("a").peer("b", "127.0.0.1", b.localAddress().getPort())
                    .build().start()) {
                assertThat(impostor.incarnation()).isNotEqualTo(a.incarnation());

                logs.awaitLine(Level.WARN, "b: refusing connection", "node id 'a' is already in use");
                String lastError = awaitLastError(impostor, "b");
                assertThat(lastError).contains("node id 'a' is already in use", "DUPLICATE_NODE_ID");
                assertThat(peer(impostor, "b").state()).isNotEqualTo(PeerState.UP);

                // The real a is still the one b talks to, in both directions.
                assertThat(a.send("b", utf8("from the real a"))).succeedsWithin(WAIT)
                        .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
                assertThat(b.send("a", utf8("to the real a"))).succeedsWithin(WAIT)
                        .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
                await().atMost(WAIT).until(() -> seenByA.size() == 1 && seenByB.size() == 1);
                assertThat(seenByB.get(0).senderIncarnation()).isEqualTo(a.incarnation());
                assertThat(seenByA.get(0).text()).isEqualTo("to the real a");
                assertThat(peer(b, "a").state()).isEqualTo(PeerState.UP);
            }
        }
    }

    @Test
    void helloWithAConnectedIdAndAnotherIncarnationGetsDuplicateNodeIdError() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {

            raw.send(RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, HEALTHY, healthy.incarnation() + 1));

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_DUPLICATE_NODE_ID);
            assertThat(error.getMessage()).contains("'" + HEALTHY + "'", "already in use");
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: refusing connection", "node id 'healthy' is already in use");

            assertStillServes(hub, healthy);
        }
    }

    @Test
    void helloWithTheNodesOwnIdGetsDuplicateNodeIdError() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {

            raw.send(RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, HUB, hub.incarnation() + 1));

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_DUPLICATE_NODE_ID);
            assertThat(error.getMessage()).contains("this node's own id");
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: refusing connection", "this node's own id");

            assertStillServes(hub, healthy);
        }
    }

    // ---- a frame before Hello

    static Stream<Arguments> framesOtherThanHello() {
        Frame envelope = Frame.newBuilder().setEnvelope(Envelope.newBuilder()
                .setSeq(1)
                .setMessageId(ByteString.copyFrom(new byte[16]))
                .setPayload(ByteString.copyFromUtf8("sneaked in"))).build();
        Frame ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(7)).build();
        return Stream.of(Arguments.of("ENVELOPE", envelope), Arguments.of("PING", ping));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framesOtherThanHello")
    void frameBeforeHelloGetsHandshakeRequiredErrorThenEof(String kind, Frame first) throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {

            raw.send(first);

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_REQUIRED);
            assertThat(error.getMessage()).contains("expected Hello", kind);
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: refusing connection", "expected Hello", kind);
            assertThat(hub.history(HistoryQuery.all())).isEmpty();

            assertStillServes(hub, healthy);
        }
    }

    @Test
    void secondHelloAfterTheHandshakeGetsHandshakeRequiredErrorThenEof() throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {
            handshakeAsRaw(hub, raw);

            raw.send(RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, "raw", 99));

            // frame.proto: CODE_HANDSHAKE_REQUIRED is "the first frame was not a Hello, or a Hello came twice".
            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_REQUIRED);
            assertThat(error.getMessage()).contains("Hello");
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: closing connection to raw", "Hello");
            await().atMost(WAIT).until(() -> peer(hub, "raw").state() != PeerState.UP);

            assertStillServes(hub, healthy);
        }
    }

    // ---- silent connection

    @Test
    void silentConnectionGetsHandshakeTimeoutErrorThenEof() throws Exception {
        try (Node hub = Node.builder().id(HUB).handshakeTimeout(Duration.ofMillis(300)).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {
            long connectedAt = System.nanoTime();

            Error error = raw.readError();
            Duration waited = Duration.ofNanos(System.nanoTime() - connectedAt);

            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_TIMEOUT);
            assertThat(error.getMessage()).contains("300 ms");
            assertThat(waited).isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: refusing connection", "handshake did not complete within 300 ms");

            assertStillServes(hub, healthy);
        }
    }

    @Test
    void dialledPeerThatNeverAnswersHelloIsGivenUpWithHandshakeTimeout() throws Exception {
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Node dialer = Node.builder().id("dialer").handshakeTimeout(Duration.ofMillis(300))
                     .peer("mute", "127.0.0.1", mute.getLocalPort()).build().start();
             RawPeer accepted = RawPeer.accept(mute)) {

            Frame hello = accepted.read();
            assertThat(hello.hasHello()).as("first frame from the dialler: %s", hello).isTrue();
            assertThat(hello.getHello().getNodeId()).isEqualTo("dialer");

            Error error = accepted.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_HANDSHAKE_TIMEOUT);
            accepted.assertClosedByNode();
            logs.awaitLine(Level.WARN, "dialer: refusing connection", "handshake did not complete within 300 ms");
            assertThat(awaitLastError(dialer, "mute")).contains("handshake did not complete within 300 ms");
            assertThat(peer(dialer, "mute").state()).isNotEqualTo(PeerState.UP);
        }
    }

    // ---- framing: too large, garbage

    static Stream<Arguments> oversizeFrames() {
        return Stream.of(
                Arguments.of(1024 * 1024, false),
                Arguments.of(1024 * 1024, true),
                Arguments.of(64 * 1024 + 1, false));
    }

    @ParameterizedTest(name = "declared length {0}, after handshake: {1}")
    @MethodSource("oversizeFrames")
    void frameOverTheMaximumGetsFrameTooLargeErrorThenEof(int declaredLength, boolean afterHandshake) throws Exception {
        Limits limits = Limits.builder().maxFrameBytes(64 * 1024).maxPayloadBytes(32 * 1024).build();
        try (Node hub = Node.builder().id(HUB).limits(limits).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {
            if (afterHandshake) {
                handshakeAsRaw(hub, raw);
            }

            byte[] someOfIt = new byte[512];
            Arrays.fill(someOfIt, (byte) 0x2a);
            raw.sendPrefixed(declaredLength, someOfIt);

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_FRAME_TOO_LARGE);
            assertThat(error.getMessage()).contains("maximum frame size");
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: closing connection", "frame exceeds the maximum frame size");
            if (afterHandshake) {
                await().atMost(WAIT).until(() -> peer(hub, "raw").state() != PeerState.UP);
            }

            assertStillServes(hub, healthy);
        }
    }

    @ParameterizedTest(name = "after handshake: {0}")
    @ValueSource(booleans = {false, true})
    void bytesThatDoNotParseAsAFrameGetMalformedFrameErrorThenEof(boolean afterHandshake) throws Exception {
        try (Node hub = Node.builder().id(HUB).build().start();
             Node healthy = healthyPeerOf(hub);
             RawPeer raw = RawPeer.connect(hub)) {
            if (afterHandshake) {
                handshakeAsRaw(hub, raw);
            }

            // 0xFF starts a varint tag that never ends: no protobuf parser accepts it.
            byte[] junk = new byte[12];
            Arrays.fill(junk, (byte) 0xff);
            raw.sendPrefixed(junk.length, junk);

            Error error = raw.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_MALFORMED_FRAME);
            assertThat(error.getMessage()).contains("do not parse as a frame");
            raw.assertClosedByNode();
            logs.awaitLine(Level.WARN, "hub: closing connection", "do not parse as a frame");
            assertThat(hub.history(HistoryQuery.all())).isEmpty();

            assertStillServes(hub, healthy);
        }
    }

    // ---- helpers

    /** A node of the hub's cluster that dials it; returned once the link is up both ways. */
    private static Node healthyPeerOf(Node hub) {
        Node healthy = Node.builder().id(HEALTHY).cluster(hub.config().cluster())
                .peer(HUB, "127.0.0.1", hub.localAddress().getPort()).build().start();
        awaitUp(healthy, HUB);
        awaitUp(hub, HEALTHY);
        return healthy;
    }

    private static void handshakeAsRaw(Node hub, RawPeer raw) throws Exception {
        Welcome welcome = raw.handshake(NodeBuilder.DEFAULT_CLUSTER, "raw", 99);
        assertThat(welcome.getNodeId()).isEqualTo(HUB);
        assertThat(welcome.getIncarnation()).isEqualTo(hub.incarnation());
        awaitUp(hub, "raw");
    }

    private static void assertStillServes(Node hub, Node healthy) {
        assertThat(healthy.send(HUB, utf8("still there?"))).succeedsWithin(WAIT)
                .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(peer(hub, HEALTHY).state()).isEqualTo(PeerState.UP);
    }

    private static void awaitUp(Node node, String peer) {
        await(node.id() + " sees " + peer + " UP").atMost(WAIT)
                .until(() -> find(node, peer).map(PeerInfo::state).orElse(null) == PeerState.UP);
    }

    private static String awaitLastError(Node node, String peer) {
        return await(node.id() + " records why " + peer + " refused it").atMost(WAIT)
                .until(() -> find(node, peer).flatMap(PeerInfo::lastError).orElse(null), e -> e != null);
    }

    private static PeerInfo peer(Node node, String id) {
        return find(node, id).orElseThrow(() -> new AssertionError(node.id() + " does not know " + id + ": " + node.peers()));
    }

    private static Optional<PeerInfo> find(Node node, String id) {
        return node.peers().stream().filter(p -> p.id().value().equals(id)).findFirst();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
