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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile input from the network, generated: whatever a raw peer sends, before or after the handshake, the node
 * under test ("hub") closes that connection or ignores the frame, stores the raw peer's messages only in order
 * (sequence numbers 1..k, no gaps, no duplicates, each row one the peer really sent with that number), and goes
 * on acknowledging a healthy peer connected all along.
 *
 * <p>The two nodes are started once for the class. Every try uses a fresh raw connection with its own node id,
 * so the duplicate-id rules never come into play, and every read has {@link RawPeer#READ_TIMEOUT}, so no try can
 * hang.
 *
 * <p>Inputs come from small generators over {@link SplittableRandom}. Each test draws its try seeds from the base
 * seed (default {@value #DEFAULT_SEED}, or {@code -Dparley.test.seed=...}), and each try builds its input from
 * its own seed alone, so a failure names the base seed, the try seed and the input. {@code -Dparley.test.trySeed=...}
 * runs just that one try in each test.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestInstance(Lifecycle.PER_CLASS)
class HostileInputTest {

    static final long DEFAULT_SEED = 20261125L;
    private static final int TRIES = 200;
    /** The healthy peer's link is checked this often within a test, besides after it. */
    private static final int CHECK_EVERY = 25;

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String HUB = "hub";
    private static final String HEALTHY = "healthy";
    private static final String CLUSTER = NodeBuilder.DEFAULT_CLUSTER;
    private static final HexFormat HEX = HexFormat.of();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final long baseSeed = seedProperty("parley.test.seed").orElse(DEFAULT_SEED);
    private final Optional<Long> oneTrySeed = seedProperty("parley.test.trySeed");

    /**
     * A few message ids and clock readings that generated envelopes share, so that they collide within a raw
     * stream, across raw streams, and with a message the healthy peer really sent (a spoofed id): the last of each.
     */
    private List<ByteString> idPool;
    private List<HybridTimestamp> hlcPool;

    private final AtomicInteger rawIds = new AtomicInteger();
    private Node hub;
    private Node healthy;

    @BeforeAll
    void startHubAndHealthyPeer() {
        System.out.println("HostileInputTest: base seed " + baseSeed + " (override with -Dparley.test.seed=...)"
                + oneTrySeed.map(s -> ", only try seed " + s).orElse(""));
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

    @AfterAll
    void closeNodes() {
        if (healthy != null) {
            healthy.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @AfterEach
    void hubStillAcknowledgesTheHealthyPeer() {
        assertHubServesHealthyPeer();
    }

    // ---- (a) anything before the handshake

    @Test
    void bytesBeforeTheHandshakeNeverGetAWelcomeAndTheHubClosesTheConnection() {
        forEachTry("bytesBeforeTheHandshake", this::bytesInsteadOfHello, junk -> {
            List<Frame> answers;
            try (RawPeer raw = RawPeer.connect(hub)) {
                try {
                    raw.sendBytes(junk.bytes());
                } catch (IOException e) {
                    // the hub may already have refused and reset the connection; what it sent is still readable
                }
                answers = raw.readUntilClosedByNode();
            }
            assertThat(answers).as("frames the hub sent before closing").allMatch(Frame::hasError).hasSizeLessThanOrEqualTo(1);
        });
    }

    /** Junk in place of a Hello, and what kind of junk it is. */
    record Junk(String kind, byte[] bytes) {
        @Override
        public String toString() {
            return kind + " " + hex(bytes);
        }
    }

    private Junk bytesInsteadOfHello(Gen gen) {
        return switch (gen.weighted(2, 3, 1)) {
            case 0 -> new Junk("raw bytes", gen.bytes(512));
            // A correct length prefix in front of random bytes reaches the protobuf parser and the handshake check.
            case 1 -> new Junk("length-prefixed junk", lengthPrefixed(gen.bytes(256)));
            // A real frame of another kind, then more junk.
            default -> {
                Control frame = gen.pick(List.of(new Control("PING", ping(7)), new Control("NO_BODY", Frame.getDefaultInstance()),
                        new Control("WELCOME", welcomeFrame()), new Control("GOODBYE", goodbye())));
                yield new Junk(frame.kind() + " frame then junk", concat(lengthPrefixed(frame.frame().toByteArray()), gen.bytes(64)));
            }
        };
    }

    // ---- (b) well-formed but hostile frames after the handshake

    @Test
    void hostileFramesAfterTheHandshakeNeverStoreAnythingOutOfOrder() {
        forEachTry("hostileFramesAfterTheHandshake", this::hostileSession, session -> {
            String rawId = nextRawId();
            Map<Long, List<Envelope>> sentBySeq = new HashMap<>();
            try (RawPeer raw = RawPeer.connect(hub)) {
                raw.handshake(CLUSTER, rawId, session.incarnation());
                SeqCounter seqs = new SeqCounter();
                try {
                    for (Step step : session.steps()) {
                        Frame frame = step.frame(seqs);
                        if (frame.hasEnvelope()) {
                            sentBySeq.computeIfAbsent(frame.getEnvelope().getSeq(), s -> new ArrayList<>()).add(frame.getEnvelope());
                        }
                        raw.send(frame);
                    }
                    if (session.tail().isPresent()) {
                        raw.sendPrefixed(session.tail().get().declaredLength(), session.tail().get().bytes());
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
                assertThat(m.senderIncarnation()).isEqualTo(session.incarnation());
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
        });
    }

    /** What one try of (b) sends after its handshake. */
    record Session(int hostility, long incarnation, List<Step> steps, Optional<Truncated> tail) {
        @Override
        public String toString() {
            return "hostility " + hostility + ", incarnation " + incarnation + ", " + steps.size() + " steps "
                    + steps + ", tail " + tail.map(Truncated::toString).orElse("none");
        }
    }

    /**
     * Sessions from honest-looking (hostility 0: only ordered or repeated envelopes with valid fields, whose ids and
     * clocks collide, and harmless frames) to ones full of frames that end the session; up to 40 steps, then in
     * three tries out of ten a truncated frame.
     */
    private Session hostileSession(Gen gen) {
        int hostility = gen.intBetween(0, 3);
        long incarnation = gen.anyLong();
        int size = gen.size(40);
        List<Step> steps = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            steps.add(switch (gen.weighted(20, 2, 2, 2, hostility, hostility, hostility, hostility)) {
                case 0 -> envelopeStep(gen, hostility);
                case 1 -> {
                    int acks = gen.size(5);
                    List<Long> seqs = new ArrayList<>(acks);
                    for (int j = 0; j < acks; j++) {
                        seqs.add(gen.anyLong());
                    }
                    yield new AckFor(seqs);
                }
                case 2 -> new Control("PING", ping(gen.anyLong()));
                case 3 -> {
                    long n = gen.anyLong();
                    yield new Control("PONG", Frame.newBuilder().setPong(Pong.newBuilder().setNonce(n).setPingSentAtMicros(n)).build());
                }
                case 4 -> new Control("HELLO", RawPeer.hello(1, CLUSTER, "raw-again", 1));
                case 5 -> new Control("WELCOME", welcomeFrame());
                case 6 -> new Control("NO_BODY", Frame.getDefaultInstance());
                default -> new Control("GOODBYE", goodbye());
            });
        }
        Optional<Truncated> tail = Optional.empty();
        if (gen.chance(0.3)) {
            int declared = gen.intBetween(1, 300);
            tail = Optional.of(new Truncated(declared, gen.bytes(declared - 1)));
        }
        return new Session(hostility, incarnation, steps, tail);
    }

    private EnvelopeStep envelopeStep(Gen gen, int hostility) {
        SeqChoice seq = SeqChoice.values()[gen.weighted(12, 3, hostility, hostility, hostility)];
        long seqArg = switch (gen.weighted(1, 1, 1)) {
            case 0 -> gen.longBetween(1, 1000);
            case 1 -> gen.anyLong();
            default -> gen.pick(List.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L));
        };
        ByteString id = ByteString.copyFrom(switch (gen.weighted(4, 3, hostility)) {
            case 0 -> gen.pick(idPool).toByteArray();
            case 1 -> gen.bytesOfSize(16);
            default -> gen.bytes(40);
        });
        Optional<HybridTimestamp> hlc = Optional.empty();
        if (gen.chance(1.0 - 0.05 * hostility)) {
            hlc = Optional.of(gen.weighted(3, hostility) == 0
                    ? gen.pick(hlcPool)
                    : hlc(gen.chance(0.5) ? gen.pick(List.of(0L, 1L, Long.MAX_VALUE, -1L)) : gen.anyLong(),
                          gen.chance(0.5) ? gen.pick(List.of(0, 1, Integer.MAX_VALUE, -1)) : gen.anyInt()));
        }
        ByteString payload = ByteString.copyFrom(gen.bytes(64));
        return new EnvelopeStep(seq, seqArg, id, hlc, payload, idPool.indexOf(id));
    }

    // ---- (c) unknown fields

    /**
     * Protobuf keeps fields it does not know as unknown fields and parses the rest: a frame with extra fields is
     * the frame without them, so the session goes on. That is what lets a later protocol version add fields.
     */
    @Test
    void unknownFieldsAreIgnoredAndTheSessionGoesOn() {
        forEachTry("unknownFields", this::unknownFieldsInput, input -> {
            String rawId = nextRawId();
            try (RawPeer raw = RawPeer.connect(hub)) {
                raw.handshake(CLUSTER, rawId, 42);

                raw.sendBytes(lengthPrefixed(concat(ping(input.nonce()).toByteArray(), input.inPing())));
                Frame pong = readSkipping(raw, Frame.BodyCase.PING);
                assertThat(pong.hasPong()).as("answer to a Ping with unknown fields: %s", pong).isTrue();
                assertThat(pong.getPong().getNonce()).isEqualTo(input.nonce());

                Frame envelope = Frame.newBuilder().setEnvelope(Envelope.newBuilder()
                        .setSeq(1)
                        .setMessageId(uuidBytes(rawIds.get(), input.nonce()))
                        .setSenderTimeMicros(System.currentTimeMillis() * 1000)
                        .setHlc(HybridTimestamp.newBuilder().setWallMicros(System.currentTimeMillis() * 1000))
                        .setPayload(ByteString.copyFromUtf8("after unknown fields"))).build();
                raw.sendBytes(lengthPrefixed(concat(envelope.toByteArray(), input.inEnvelope())));
                Frame acks = readSkipping(raw, Frame.BodyCase.PING, Frame.BodyCase.PONG);
                assertThat(acks.hasAckBatch()).as("answer to an Envelope with unknown fields: %s", acks).isTrue();
                assertThat(acks.getAckBatch().getAcksList()).extracting(Ack::getSeq, Ack::getStatus)
                        .containsExactly(tuple(1L, AckStatus.ACK_STATUS_STORED));
            }
            assertThat(hub.history(HistoryQuery.builder().peer(NodeId.of(rawId)).build()))
                    .extracting(Message::sequence, Message::text)
                    .containsExactly(tuple(1L, "after unknown fields"));
        });
    }

    /** Unknown fields to append to a Ping frame and to an Envelope frame, and the Ping's nonce. */
    record UnknownFields(byte[] inPing, byte[] inEnvelope, long nonce) {
        @Override
        public String toString() {
            return "unknown fields in Ping " + hex(inPing) + ", in Envelope " + hex(inEnvelope) + ", nonce " + nonce;
        }
    }

    private UnknownFields unknownFieldsInput(Gen gen) {
        return new UnknownFields(unknownFields(gen), unknownFields(gen), gen.anyLong());
    }

    /** The first field number Frame does not use: unknown fields are numbered from here. */
    private static final int FIRST_UNUSED_FIELD = Frame.getDescriptor().getFields().stream()
            .mapToInt(com.google.protobuf.Descriptors.FieldDescriptor::getNumber).max().orElse(0) + 1;

    /** One to three fields with numbers Frame does not use, of every wire type but groups. */
    private static byte[] unknownFields(Gen gen) {
        byte[] all = new byte[0];
        for (int i = gen.intBetween(1, 3); i > 0; i--) {
            int number = gen.chance(0.5) ? gen.intBetween(FIRST_UNUSED_FIELD, 100)
                    : gen.intBetween(FIRST_UNUSED_FIELD, (1 << 29) - 1);
            all = concat(all, unknownField(number, gen.intBetween(0, 3), gen.anyLong(), gen.bytes(32)));
        }
        return all;
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

    // ---- tries and seeds

    interface TryCheck<I> {
        void check(I input) throws Exception;
    }

    /**
     * Runs {@value #TRIES} tries of {@code check} (or only the one given by {@code -Dparley.test.trySeed}), each on
     * an input generated from its own seed; checks the healthy peer every {@value #CHECK_EVERY} tries. Stops at the
     * first failure with the seeds, the input and what the node logged during the try.
     */
    private <I> void forEachTry(String name, Function<Gen, I> generate, TryCheck<I> check) {
        SplittableRandom trySeeds = new SplittableRandom(baseSeed ^ name.hashCode());
        int tries = oneTrySeed.isPresent() ? 1 : TRIES;
        for (int t = 1; t <= tries; t++) {
            long trySeed = oneTrySeed.orElse(trySeeds.nextLong());
            I input = null;
            int logMark = logs.lines().size();
            try {
                input = generate.apply(new Gen(trySeed));
                check.check(input);
                if (t % CHECK_EVERY == 0) {
                    assertHubServesHealthyPeer();
                }
            } catch (Exception | AssertionError e) {
                List<String> logged = logs.lines();
                throw new AssertionError(String.format(
                        "%s: try %d of %d failed: %s%n  base seed %d, try seed %d (rerun with -Dparley.test.seed=%d,"
                                + " or this try alone with -Dparley.test.trySeed=%d)%n  input: %s%n  logged during the try:%n    %s",
                        name, t, tries, e, baseSeed, trySeed, baseSeed, trySeed, input,
                        String.join("\n    ", logged.subList(Math.min(logMark, logged.size()), logged.size()))), e);
            }
        }
    }

    private static Optional<Long> seedProperty(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.decode(value.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + property + " must be a long, got '" + value + "'", e);
        }
    }

    /**
     * Draws inputs from one seed. Numbers lean towards their edge cases, and sizes towards empty and full, the way
     * hostile input tends to.
     */
    static final class Gen {
        private static final long[] EDGE_LONGS = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE};
        private static final int[] EDGE_INTS = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};

        private final SplittableRandom random;

        Gen(long seed) {
            this.random = new SplittableRandom(seed);
        }

        boolean chance(double probability) {
            return random.nextDouble() < probability;
        }

        /** An index into {@code weights}, each chosen in proportion to its weight (zero: never). */
        int weighted(int... weights) {
            int total = 0;
            for (int w : weights) {
                total += w;
            }
            int r = random.nextInt(total);
            for (int i = 0; i < weights.length; i++) {
                r -= weights[i];
                if (r < 0) {
                    return i;
                }
            }
            throw new IllegalStateException("unreachable");
        }

        <T> T pick(List<T> choices) {
            return choices.get(random.nextInt(choices.size()));
        }

        /** {@code min} to {@code max}, both included, with the ends chosen more often than the rest. */
        int intBetween(int min, int max) {
            return (int) longBetween(min, max);
        }

        long longBetween(long min, long max) {
            int r = random.nextInt(10);
            if (r == 0) {
                return min;
            }
            if (r == 1) {
                return max;
            }
            return random.nextLong(min, max + 1);
        }

        long anyLong() {
            return random.nextInt(8) == 0 ? EDGE_LONGS[random.nextInt(EDGE_LONGS.length)] : random.nextLong();
        }

        int anyInt() {
            return random.nextInt(8) == 0 ? EDGE_INTS[random.nextInt(EDGE_INTS.length)] : random.nextInt();
        }

        /** A size from 0 to {@code max}, empty and full more often than the rest. */
        int size(int max) {
            return max <= 0 ? 0 : intBetween(0, max);
        }

        byte[] bytes(int maxSize) {
            return bytesOfSize(size(maxSize));
        }

        byte[] bytesOfSize(int size) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            return bytes;
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

    /** An envelope; {@code poolIndex} is where its id is in the shared id pool, or -1. */
    record EnvelopeStep(SeqChoice seq, long seqArg, ByteString id, Optional<HybridTimestamp> hlc, ByteString payload,
            int poolIndex) implements Step {
        @Override
        public Frame frame(SeqCounter seqs) {
            long n = seqs.take(seq, seqArg);
            Envelope.Builder e = Envelope.newBuilder()
                    .setSeq(n)
                    .setPreviousSeq(n - 1) // no withdrawn messages: a skipped seq is a gap
                    .setMessageId(id)
                    .setSenderTimeMicros(System.currentTimeMillis() * 1000)
                    .setPayload(payload);
            hlc.ifPresent(e::setHlc);
            return Frame.newBuilder().setEnvelope(e).build();
        }

        @Override
        public String toString() {
            return "Envelope[" + seq + (seq == SeqChoice.SKIP || seq == SeqChoice.ANY ? "(" + seqArg + ")" : "")
                    + ", id " + id.size() + " bytes" + (poolIndex >= 0 ? " pool#" + poolIndex : "")
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

    private void assertHubServesHealthyPeer() {
        assertThat(healthy.send(HUB, "still there?".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT)
                .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(state(hub, HEALTHY)).isEqualTo(PeerState.UP);
    }

    /** The next frame whose kind is not one of {@code skipped} (the hub's own heartbeats), nor Gossip. */
    private static Frame readSkipping(RawPeer raw, Frame.BodyCase... skipped) throws IOException {
        while (true) {
            Frame f = raw.read();
            // Gossip about other members may come at any time on a node with more than one peer.
            if (!f.hasGossip() && !List.of(skipped).contains(f.getBodyCase())) {
                return f;
            }
        }
    }

    private String nextRawId() {
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

    /** {@code bytes} as hex, cut after 64 bytes, with the length. */
    private static String hex(byte[] bytes) {
        int shown = Math.min(bytes.length, 64);
        return bytes.length + " bytes [" + HEX.formatHex(bytes, 0, shown) + (shown < bytes.length ? "..." : "") + "]";
    }
}
