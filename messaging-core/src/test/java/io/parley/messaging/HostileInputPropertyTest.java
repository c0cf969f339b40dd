package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Goodbye;
import io.parley.messaging.proto.v1.HybridTimestamp;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Pong;
import io.parley.messaging.proto.v1.Welcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input from the network, generated: whatever a raw peer sends, before or after the handshake, the node
 * under test ("hub") closes that connection or ignores the frame, stores the raw peer's messages only in order
 * (sequence numbers 1..k, no gaps, no duplicates, each row one the peer really sent with that number), and goes
 * on acknowledging a healthy peer connected all along.
 *
 * <p>The two nodes are started once for the class. Every try uses a fresh raw connection with its own node id,
 * so the duplicate-id rules never come into play, and every read has {@link RawPeer#READ_TIMEOUT}, so no try can
 * hang.
 */
class HostileInputPropertyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String HUB = "hub";
    private static final String HEALTHY = "healthy";
    private static final String CLUSTER = NodeBuilder.DEFAULT_CLUSTER;
    /** The healthy peer's link is checked this often within a property, besides after it. */
    private static final int CHECK_EVERY = 25;

    /**
     * A few message ids and clock readings that generated envelopes share, so that they collide within a raw
     * stream, across raw streams, and with a message the healthy peer really sent (a spoofed id): the last of each.
     */
    private static List<ByteString> idPool;
    private static List<HybridTimestamp> hlcPool;

    private static final AtomicInteger rawIds = new AtomicInteger();
    private static Node hub;
    private static Node healthy;

    private final AtomicInteger tries = new AtomicInteger();

    @BeforeContainer
    static void startHubAndHealthyPeer() {
        // A short handshake timeout, so a try that sends half a frame and waits is refused quickly.
        hub = Node.builder().id(HUB).handshakeTimeout(Duration.ofMillis(300)).build().start();
        healthy = Node.builder().id(HEALTHY).peer(HUB, "127.0.0.1", hub.localAddress().getPort()).build().start();
        awaitState(healthy, HUB, PeerState.UP);
        awaitState(hub, HEALTHY, PeerState.UP);

        assertHubServesHealthyPeer();
        Message target = hub.history(HistoryQuery.builder().peer(NodeId.of(HEALTHY)).build()).get(0);
        idPool = List.of(uuidBytes(1, 1), uuidBytes(1, 2),
                uuidBytes(target.id().getMostSignificantBits(), target.id().getLeastSignificantBits()));
        hlcPool = List.of(hlc(1_700_000_000_000_000L, 0), hlc(1_700_000_000_000_000L, 1),
                hlc(target.hlc().wallMicros(), target.hlc().logical()));
    }

    @AfterContainer
    static void closeNodes() {
        if (healthy != null) {
            healthy.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @AfterProperty
    void hubStillAcknowledgesTheHealthyPeer() {
        assertHubServesHealthyPeer();
    }

    // ---- (a) anything before the handshake

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void bytesBeforeTheHandshakeNeverGetAWelcomeAndTheHubClosesTheConnection(
            @ForAll("bytesInsteadOfHello") byte[] bytes) throws IOException {
        List<Frame> answers;
        try (RawPeer raw = RawPeer.connect(hub)) {
            try {
                raw.sendBytes(bytes);
            } catch (IOException e) {
                // the hub may already have refused and reset the connection; what it sent is still readable
            }
            answers = raw.readUntilClosedByNode();
        }

        assertThat(answers).as("frames the hub sent before closing").allMatch(Frame::hasError).hasSizeLessThanOrEqualTo(1);
        checkHealthyPeerNowAndThen();
    }

    @Provide
    Arbitrary<byte[]> bytesInsteadOfHello() {
        Arbitrary<byte[]> anyBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
        // A correct length prefix in front of random bytes reaches the protobuf parser and the handshake check.
        Arbitrary<byte[]> framedJunk = Arbitraries.bytes().array(byte[].class).ofMaxSize(256)
                .map(HostileInputPropertyTest::lengthPrefixed);
        // A real frame of another kind, then more junk.
        Arbitrary<byte[]> frameThenJunk = Combinators.combine(
                        Arbitraries.of(ping(7), Frame.getDefaultInstance(), welcomeFrame(), goodbye()),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(64))
                .as((f, junk) -> concat(lengthPrefixed(f.toByteArray()), junk));
        return Arbitraries.frequencyOf(
                Tuple.of(2, anyBytes),
                Tuple.of(3, framedJunk),
                Tuple.of(1, frameThenJunk));
    }

    // ---- (b) well-formed but hostile frames after the handshake

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void hostileFramesAfterTheHandshakeNeverStoreAnythingOutOfOrder(
            @ForAll("hostileSessions") List<Step> steps,
            @ForAll("truncatedTails") Optional<Truncated> tail,
            @ForAll long incarnation) throws IOException {
        String rawId = nextRawId();
        Map<Long, List<Envelope>> sentBySeq = new HashMap<>();
        try (RawPeer raw = RawPeer.connect(hub)) {
            raw.handshake(CLUSTER, rawId, incarnation);
            SeqCounter seqs = new SeqCounter();
            try {
                for (Step step : steps) {
                    Frame frame = step.frame(seqs);
                    if (frame.hasEnvelope()) {
                        sentBySeq.computeIfAbsent(frame.getEnvelope().getSeq(), s -> new ArrayList<>()).add(frame.getEnvelope());
                    }
                    raw.send(frame);
                }
                if (tail.isPresent()) {
                    raw.sendPrefixed(tail.get().declaredLength(), tail.get().bytes());
                }
            } catch (IOException e) {
                // the hub closed the connection on a frame it refused; nothing more can be sent
            }
        }
        // Every frame the hub read from the connection was handed on before it saw the connection close, and the
        // healthy peer's message is queued behind them on the hub's store thread: once it is acknowledged, all the
        // raw peer's messages that the hub accepted are stored.
        awaitNotUp(hub, rawId);
        assertHubServesHealthyPeer();

        List<Message> rows = hub.history(HistoryQuery.builder().peer(NodeId.of(rawId)).limit(HistoryQuery.MAX_LIMIT).build());
        assertThat(rows).allSatisfy(m -> {
            assertThat(m.direction()).isEqualTo(Direction.RECEIVED);
            assertThat(m.sender()).isEqualTo(NodeId.of(rawId));
            assertThat(m.senderIncarnation()).isEqualTo(incarnation);
            assertThat(sentBySeq.getOrDefault(m.sequence(), List.of()))
                    .as("envelopes sent with seq %d, one of which must be the stored row %s", m.sequence(), m)
                    .anySatisfy(e -> assertSameMessage(m, e));
        });
        Map<Long, List<Long>> seqsByIncarnation = rows.stream().collect(Collectors.groupingBy(Message::senderIncarnation,
                Collectors.mapping(Message::sequence, Collectors.toList())));
        seqsByIncarnation.forEach((inc, seqList) -> assertThat(seqList.stream().sorted().toList())
                .as("sequence numbers stored from %s, incarnation %d", rawId, inc)
                .isEqualTo(LongStream.rangeClosed(1, seqList.size()).boxed().toList()));

        List<Long> fromHealthy = hub.history(HistoryQuery.builder().peer(NodeId.of(HEALTHY)).limit(HistoryQuery.MAX_LIMIT).build())
                .stream().map(Message::sequence).sorted().toList();
        assertThat(fromHealthy).as("sequence numbers stored from the healthy peer")
                .isEqualTo(LongStream.rangeClosed(1, fromHealthy.get(fromHealthy.size() - 1)).boxed().toList());
    }

    /**
     * Sessions from honest-looking (hostility 0: only ordered or repeated envelopes with valid fields, whose ids and
     * clocks collide, and harmless frames) to ones full of frames that end the session.
     */
    @Provide
    Arbitrary<List<Step>> hostileSessions() {
        return Arbitraries.integers().between(0, 3).flatMap(hostility -> Arbitraries.frequencyOf(
                Tuple.of(20, envelopeSteps(hostility)),
                Tuple.of(2, Arbitraries.longs().list().ofMaxSize(5).map(AckFor::new)),
                Tuple.of(2, Arbitraries.longs().map(n -> new Control("PING", ping(n)))),
                Tuple.of(2, Arbitraries.longs().map(n -> new Control("PONG",
                        Frame.newBuilder().setPong(Pong.newBuilder().setNonce(n).setPingSentAtMicros(n)).build()))),
                Tuple.of(hostility, Arbitraries.just(new Control("HELLO", RawPeer.hello(1, CLUSTER, "raw-again", 1)))),
                Tuple.of(hostility, Arbitraries.just(new Control("WELCOME", welcomeFrame()))),
                Tuple.of(hostility, Arbitraries.just(new Control("NO_BODY", Frame.getDefaultInstance()))),
                Tuple.of(hostility, Arbitraries.just(new Control("GOODBYE", goodbye()))))
                .list().ofMaxSize(40));
    }

    private static Arbitrary<Step> envelopeSteps(int hostility) {
        Arbitrary<SeqChoice> seq = Arbitraries.frequency(
                Tuple.of(12, SeqChoice.NEXT),
                Tuple.of(3, SeqChoice.REPEAT),
                Tuple.of(hostility, SeqChoice.SKIP),
                Tuple.of(hostility, SeqChoice.ZERO),
                Tuple.of(hostility, SeqChoice.ANY));
        Arbitrary<Long> seqArg = Arbitraries.oneOf(Arbitraries.longs().between(1, 1000), Arbitraries.longs(),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L));
        Arbitrary<ByteString> id = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(idPool)),
                Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofSize(16).map(ByteString::copyFrom)),
                Tuple.of(hostility, Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(ByteString::copyFrom)));
        Arbitrary<HybridTimestamp> anyHlc = Combinators.combine(
                        Arbitraries.oneOf(Arbitraries.of(0L, 1L, Long.MAX_VALUE, -1L), Arbitraries.longs()),
                        Arbitraries.oneOf(Arbitraries.of(0, 1, Integer.MAX_VALUE, -1), Arbitraries.integers()))
                .as((wall, logical) -> HybridTimestamp.newBuilder().setWallMicros(wall).setLogical(logical).build());
        Arbitrary<Optional<HybridTimestamp>> hlc = Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.of(hlcPool)),
                        Tuple.of(hostility, anyHlc))
                .optional(1.0 - 0.05 * hostility);
        Arbitrary<ByteString> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(ByteString::copyFrom);
        return Combinators.combine(seq, seqArg, id, hlc, payload).as(EnvelopeStep::new);
    }

    @Provide
    Arbitrary<Optional<Truncated>> truncatedTails() {
        return Arbitraries.integers().between(1, 300)
                .flatMap(declared -> Arbitraries.bytes().array(byte[].class).ofMaxSize(declared - 1)
                        .map(bytes -> new Truncated(declared, bytes)))
                .optional(0.3);
    }

    // ---- (c) unknown fields

    /**
     * Protobuf keeps fields it does not know as unknown fields and parses the rest: a frame with extra fields is
     * the frame without them, so the session goes on. That is what lets a later protocol version add fields.
     */
    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void unknownFieldsAreIgnoredAndTheSessionGoesOn(
            @ForAll("unknownFields") byte[] unknownInPing,
            @ForAll("unknownFields") byte[] unknownInEnvelope,
            @ForAll long nonce) throws IOException {
        String rawId = nextRawId();
        try (RawPeer raw = RawPeer.connect(hub)) {
            raw.handshake(CLUSTER, rawId, 42);

            raw.sendBytes(lengthPrefixed(concat(ping(nonce).toByteArray(), unknownInPing)));
            Frame pong = readSkipping(raw, Frame.BodyCase.PING);
            assertThat(pong.hasPong()).as("answer to a Ping with unknown fields: %s", pong).isTrue();
            assertThat(pong.getPong().getNonce()).isEqualTo(nonce);

            Frame envelope = Frame.newBuilder().setEnvelope(Envelope.newBuilder()
                    .setSeq(1)
                    .setMessageId(uuidBytes(rawIds.get(), nonce))
                    .setSenderTimeMicros(System.currentTimeMillis() * 1000)
                    .setHlc(HybridTimestamp.newBuilder().setWallMicros(System.currentTimeMillis() * 1000))
                    .setPayload(ByteString.copyFromUtf8("after unknown fields"))).build();
            raw.sendBytes(lengthPrefixed(concat(envelope.toByteArray(), unknownInEnvelope)));
            Frame acks = readSkipping(raw, Frame.BodyCase.PING, Frame.BodyCase.PONG);
            assertThat(acks.hasAckBatch()).as("answer to an Envelope with unknown fields: %s", acks).isTrue();
            assertThat(acks.getAckBatch().getAcksList()).extracting(Ack::getSeq, Ack::getStatus)
                    .containsExactly(tuple(1L, AckStatus.ACK_STATUS_STORED));
        }
        assertThat(hub.history(HistoryQuery.builder().peer(NodeId.of(rawId)).build()))
                .extracting(Message::sequence, Message::text)
                .containsExactly(tuple(1L, "after unknown fields"));
        checkHealthyPeerNowAndThen();
    }

    /** One to three fields with numbers Frame does not use (9 and up), of every wire type but groups. */
    @Provide
    Arbitrary<byte[]> unknownFields() {
        Arbitrary<Integer> number = Arbitraries.oneOf(Arbitraries.integers().between(9, 100),
                Arbitraries.integers().between(9, (1 << 29) - 1));
        Arbitrary<byte[]> field = Combinators.combine(number, Arbitraries.integers().between(0, 3), Arbitraries.longs(),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(32))
                .as(HostileInputPropertyTest::unknownField);
        return field.list().ofMinSize(1).ofMaxSize(3).map(fs -> fs.stream().reduce(new byte[0], HostileInputPropertyTest::concat));
    }

    private static byte[] unknownField(int number, int kind, long value, byte[] bytes) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(buf);
            switch (kind) {
                case 0 -> out.writeUInt64(number, value);
                case 1 -> out.writeFixed64(number, value);
                case 2 -> out.writeByteArray(number, bytes);
                default -> out.writeFixed32(number, (int) value);
            }
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- steps of a hostile session

    enum SeqChoice {
        /** One more than the last NEXT: what an honest sender sends. */
        NEXT,
        /** The last NEXT again (1 if none yet): a retransmission, possibly with other content. */
        REPEAT,
        /** Beyond the next one by the argument (1 to 1000 at least): a gap. */
        SKIP,
        /** Zero, which no stream uses. */
        ZERO,
        /** The argument as it is, read as unsigned on the wire (negative means above 2^63). */
        ANY
    }

    /** Hands out the raw peer's sequence numbers. */
    static final class SeqCounter {
        private long next = 1;

        long take(SeqChoice choice, long arg) {
            return switch (choice) {
                case NEXT -> next++;
                case REPEAT -> Math.max(1, next - 1);
                case SKIP -> next + Math.max(1, Math.abs(arg % 1000));
                case ZERO -> 0;
                case ANY -> arg;
            };
        }
    }

    sealed interface Step permits EnvelopeStep, AckFor, Control {
        Frame frame(SeqCounter seqs);
    }

    record EnvelopeStep(SeqChoice seq, long seqArg, ByteString id, Optional<HybridTimestamp> hlc, ByteString payload)
            implements Step {
        @Override
        public Frame frame(SeqCounter seqs) {
            Envelope.Builder e = Envelope.newBuilder()
                    .setSeq(seqs.take(seq, seqArg))
                    .setMessageId(id)
                    .setSenderTimeMicros(System.currentTimeMillis() * 1000)
                    .setPayload(payload);
            hlc.ifPresent(e::setHlc);
            return Frame.newBuilder().setEnvelope(e).build();
        }

        @Override
        public String toString() {
            return "Envelope[" + seq + (seq == SeqChoice.SKIP || seq == SeqChoice.ANY ? "(" + seqArg + ")" : "")
                    + ", id " + id.size() + " bytes " + (idPool.contains(id) ? "pool#" + idPool.indexOf(id) : "")
                    + ", hlc " + hlc.map(h -> h.getWallMicros() + "." + Integer.toUnsignedString(h.getLogical())).orElse("none")
                    + ", payload " + payload.size() + " bytes]";
        }
    }

    /** An AckBatch for sequence numbers the hub never sent (it sends the raw peer nothing). */
    record AckFor(List<Long> seqs) implements Step {
        @Override
        public Frame frame(SeqCounter ignored) {
            AckBatch.Builder b = AckBatch.newBuilder();
            seqs.forEach(s -> b.addAcks(Ack.newBuilder().setSeq(s).setStatus(AckStatus.ACK_STATUS_STORED)));
            return Frame.newBuilder().setAckBatch(b).build();
        }
    }

    record Control(String kind, Frame frame) implements Step {
        @Override
        public Frame frame(SeqCounter ignored) {
            return frame;
        }

        @Override
        public String toString() {
            return kind;
        }
    }

    /** A length prefix promising more bytes than follow, then the end of the connection. */
    record Truncated(int declaredLength, byte[] bytes) {
        @Override
        public String toString() {
            return "Truncated[declared " + declaredLength + ", sent " + bytes.length + "]";
        }
    }

    // ---- helpers

    private static void assertSameMessage(Message stored, Envelope sent) {
        assertThat(uuidBytes(stored.id().getMostSignificantBits(), stored.id().getLeastSignificantBits()))
                .isEqualTo(sent.getMessageId());
        assertThat(stored.payload()).isEqualTo(sent.getPayload().toByteArray());
        assertThat(sent.hasHlc()).isTrue();
        assertThat(stored.hlc().wallMicros()).isEqualTo(sent.getHlc().getWallMicros());
        assertThat(stored.hlc().logical()).isEqualTo(sent.getHlc().getLogical());
    }

    private void checkHealthyPeerNowAndThen() {
        if (tries.incrementAndGet() % CHECK_EVERY == 0) {
            assertHubServesHealthyPeer();
        }
    }

    private static void assertHubServesHealthyPeer() {
        assertThat(healthy.send(HUB, "still there?".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT)
                .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(state(hub, HEALTHY)).isEqualTo(PeerState.UP);
    }

    /** The next frame whose kind is not one of {@code skipped} (the hub's own heartbeats). */
    private static Frame readSkipping(RawPeer raw, Frame.BodyCase... skipped) throws IOException {
        while (true) {
            Frame f = raw.read();
            if (!List.of(skipped).contains(f.getBodyCase())) {
                return f;
            }
        }
    }

    private static String nextRawId() {
        return "raw-" + rawIds.incrementAndGet();
    }

    private static void awaitState(Node node, String peer, PeerState state) {
        await(node.id() + " sees " + peer + " " + state).atMost(WAIT).until(() -> state(node, peer) == state);
    }

    private static void awaitNotUp(Node node, String peer) {
        await(node.id() + " sees " + peer + " gone").atMost(WAIT).until(() -> state(node, peer) != PeerState.UP);
    }

    private static PeerState state(Node node, String peer) {
        return node.peers().stream().filter(p -> p.id().value().equals(peer)).findFirst().map(PeerInfo::state).orElse(null);
    }

    private static Frame ping(long nonce) {
        return Frame.newBuilder().setPing(Ping.newBuilder().setNonce(nonce).setSentAtMicros(System.currentTimeMillis() * 1000)).build();
    }

    private static Frame welcomeFrame() {
        return Frame.newBuilder().setWelcome(Welcome.newBuilder().setProtocolVersion(1).setNodeId("someone").setIncarnation(3)).build();
    }

    private static Frame goodbye() {
        return Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("bye")).build();
    }

    private static HybridTimestamp hlc(long wallMicros, int logical) {
        return HybridTimestamp.newBuilder().setWallMicros(wallMicros).setLogical(logical).build();
    }

    private static ByteString uuidBytes(long high, long low) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
    }

    private static byte[] lengthPrefixed(byte[] body) {
        return concat(ByteBuffer.allocate(4).putInt(body.length).array(), body);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
