package io.parley.messaging.crash;

import static io.parley.messaging.crash.CrashNode.index;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.StoredRows;
import io.parley.messaging.store.SqliteMessageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Process crashes: a sender and a receiver, each a {@link CrashNode} in a JVM of its own with its own SQLite file,
 * stream {@value #COUNT} messages over loopback, and one of them is killed with SIGKILL at random moments in the
 * stream and started again on the same file (the receiver also on the same port): the receiver every time, the
 * sender every time, or each in turn.
 *
 * <p>It proves, for kills of either side at any point: after the stream ends, both stores hold every message
 * exactly once, the receiver's in send order with sequence numbers 1 to {@value #COUNT}; every message is DELIVERED
 * on the sender, with the same receiver time as the receiver stored; a node starts again on the file of a killed
 * process; and nothing acknowledged before a kill is missing after it: a restarted receiver already holds every
 * message the sender had reported acknowledged, and a restarted sender already holds every message it had
 * reported acknowledged (and still has it DELIVERED at the end). Neither logs a WARN or an ERROR on the way: two
 * correct nodes never close a connection on each other for cause (only an idle timeout is let pass, which a
 * starved machine can cause). What they log (WARN and up, on stderr) is printed after the test and, with the
 * seed, in its failure.
 *
 * <p>A kill comes once the sender reports all messages up to a random index between {@value #KILL_FROM} and
 * {@value #KILL_TO} acknowledged: by then thousands are stored and not yet sent, on the wire, or acknowledged and
 * not yet recorded. The indices come from a seed, printed, random unless given with {@code -Dparley.test.seed=...};
 * what else is in flight at a kill depends on timing, so a seed repeats the kill points, not the exact states.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {

    static final int COUNT = 50_000;
    static final int KILL_FROM = 5_000;
    static final int KILL_TO = 45_000;
    /** Longest wait for any one step: a start, a kill point, the end of the stream. */
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final long SEED = seedProperty().orElseGet(() -> new SplittableRandom().nextLong());

    /** Which side is killed: one of them every time, or each in turn, the receiver first. */
    enum Victim {
        RECEIVER, SENDER, EACH_IN_TURN;

        boolean receiverAt(int kill) {
            return this == RECEIVER || (this == EACH_IN_TURN && kill % 2 == 0);
        }
    }

    @TempDir
    Path dir;

    private final List<ChildProcess> children = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private ChildProcess receiver;
    private ChildProcess sender;
    private int port;
    /**
     * The highest index any sender process reported acknowledged. Both sides store the stream in order, so every
     * index below it is stored on both sides too, whichever process sent it.
     */
    private int acked = -1;

    @BeforeAll
    static void printSeed() {
        System.out.println("CrashRecoveryTest: seed " + SEED + " (rerun with -Dparley.test.seed=" + SEED + ")");
    }

    @AfterEach
    void killWhatIsLeft() {
        children.forEach(ChildProcess::destroy);
    }

    static Stream<Arguments> kills() {
        return Stream.of(Arguments.of(Victim.RECEIVER, 4), Arguments.of(Victim.SENDER, 4),
                Arguments.of(Victim.EACH_IN_TURN, 4));
    }

    @ParameterizedTest(name = "kill -9 the {0} {1} times")
    @MethodSource("kills")
    void everyMessageIsStoredOnceOnEachSideAndDeliveredWithTheReceiversClockDespiteKills(Victim victim, int kills)
            throws Exception {
        SplittableRandom random = new SplittableRandom(SEED ^ (victim.ordinal() + 1L) * 0x9E3779B97F4A7C15L);
        int[] killPoints = killPoints(random, kills);
        long started = System.nanoTime();
        try {
            startReceiver(0);
            startSender();
            for (int k = 0; k < kills; k++) {
                int killPoint = killPoints[k];
                readSenderUntil(line -> line.startsWith("ACKED ") && acked >= killPoint, "ACKED >= " + killPoint);
                if (victim.receiverAt(k)) {
                    killReceiverAndRestart(killPoint);
                } else {
                    killSenderAndRestart(killPoint);
                }
            }
            readSenderUntil(line -> line.equals("DONE"), "DONE");
            assertThat(sender.stop(PHASE)).as("exit code of %s, stopped", sender).isZero();
            assertThat(receiver.stop(PHASE)).as("exit code of %s, stopped", receiver).isZero();
            events.add("both stopped after " + millisSince(started) + " ms");

            checkStores();
            System.out.println("CrashRecoveryTest: " + victim + ": " + String.join("; ", events) + stderrOfChildren(false));
            assertThat(complaints()).as("WARN and ERROR lines the children logged").isEmpty();
        } catch (Throwable t) {
            children.forEach(ChildProcess::destroy);
            String what = String.valueOf(t.getMessage());
            throw new AssertionError(victim + " killed at " + Arrays.toString(killPoints) + ", seed " + SEED
                    + " (rerun with -Dparley.test.seed=" + SEED + "): "
                    + (what.length() > 600 ? what.substring(0, 600) + "..." : what)
                    + "\n  events: " + String.join("; ", events) + stderrOfChildren(true), t);
        }
    }

    /**
     * One random index in each of {@code kills} equal parts of [{@value #KILL_FROM}, {@value #KILL_TO}], so that the
     * kills spread over the stream; a restarted sender may already be past the next one, and is then killed as
     * soon as it reports its first receipts.
     */
    private static int[] killPoints(SplittableRandom random, int kills) {
        int part = (KILL_TO - KILL_FROM) / kills;
        return IntStream.range(0, kills).map(k -> KILL_FROM + k * part + random.nextInt(part + 1)).toArray();
    }

    private void startReceiver(int onPort) throws Exception {
        receiver = launch("receiver", "receiver", dir.resolve("r.db").toString(), Integer.toString(onPort));
        String ready = receiver.nextLine(PHASE);
        assertThat(ready).as("first line of %s", receiver).startsWith("READY ");
        String[] words = ready.split(" ");
        port = Integer.parseInt(words[1]);
        int held = Integer.parseInt(words[2]);
        events.add(receiver + " ready on port " + port + " holding " + held);
        // Everything the sender reported acknowledged had been stored by the receiver before the kill.
        assertThat(held).as("messages %s holds after a restart; the sender had reported 0..%d acknowledged",
                receiver, acked).isGreaterThan(acked);
    }

    private void startSender() throws Exception {
        sender = launch("sender", "sender", dir.resolve("s.db").toString(), Integer.toString(port), Integer.toString(COUNT));
        String first = sender.nextLine(PHASE);
        assertThat(first).as("first line of %s", sender).startsWith("STORED ");
        int stored = Integer.parseInt(first.substring("STORED ".length()));
        events.add(sender + " started holding " + stored);
        // Everything it reported acknowledged was stored (and recorded DELIVERED) before the kill.
        assertThat(stored).as("messages %s holds after a restart; it had reported 0..%d acknowledged", sender, acked)
                .isGreaterThan(acked);
    }

    private ChildProcess launch(String role, String... args) throws Exception {
        ChildProcess child = ChildProcess.start(role + "-" + (children.size() + 1), dir, args);
        children.add(child);
        return child;
    }

    private void killReceiverAndRestart(int killPoint) throws Exception {
        receiver.kill();
        // What the sender printed by now came from acks of the receiver just killed.
        Optional<String> line;
        while ((line = sender.lineIfAny()).isPresent()) {
            senderSaid(line.get());
        }
        events.add("killed " + receiver + " at ACKED " + acked + " (kill point " + killPoint + ")");
        startReceiver(port);
    }

    private void killSenderAndRestart(int killPoint) throws Exception {
        sender.kill();
        sender.remainingLines(PHASE).forEach(this::senderSaid); // what it printed before it died
        events.add("killed " + sender + " at ACKED " + acked + " (kill point " + killPoint + ")");
        startSender();
    }

    /** Reads the sender's lines until one passes {@code until}; fails on FAILED or if none comes in time. */
    private void readSenderUntil(Predicate<String> until, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PHASE.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + what + " from " + sender + " within " + PHASE.toSeconds() + " s; last ACKED " + acked);
            }
            String line = sender.nextLine(Duration.ofNanos(left));
            senderSaid(line);
            if (until.test(line)) {
                return;
            }
        }
    }

    private void senderSaid(String line) {
        if (line.startsWith("ACKED ")) {
            acked = Math.max(acked, Integer.parseInt(line.substring("ACKED ".length())));
        } else if (line.startsWith("FAILED ")) {
            throw new AssertionError(sender + " reported: " + line);
        }
    }

    // ---- the stores at the end

    private void checkStores() {
        List<Message> received = readAll(dir.resolve("r.db"), CrashNode.RECEIVER, Direction.RECEIVED);
        List<Message> sent = readAll(dir.resolve("s.db"), CrashNode.SENDER, Direction.SENT);
        received.sort(Comparator.comparingLong(Message::sequence));
        sent.sort(Comparator.comparingLong(Message::sequence));

        assertThat(problems(received, "received")).as("receiver's store").isEmpty();
        assertThat(problems(sent, "sent")).as("sender's store").isEmpty();
        assertThat(received).extracting(Message::senderIncarnation).containsOnly(sent.get(0).senderIncarnation());

        Map<UUID, Message> receivedById = received.stream().collect(Collectors.toMap(Message::id, m -> m));
        List<String> mismatches = new ArrayList<>();
        for (Message s : sent) {
            Message r = receivedById.get(s.id());
            if (r == null) {
                mismatches.add("sent " + s + " (index " + index(s) + ") is not in the receiver's store");
            } else if (s.status() != DeliveryStatus.DELIVERED) {
                mismatches.add("sent " + s + " (index " + index(s) + ") is " + s.status());
            } else if (s.receiverTimeMicros() != r.receiverTimeMicros() || s.senderTimeMicros() != r.senderTimeMicros()
                    || s.sequence() != r.sequence() || !s.text().equals(r.text())) {
                mismatches.add("sent " + s + " differs from received " + r);
            }
        }
        assertThat(mismatches.stream().limit(20).toList())
                .as("sent messages not DELIVERED with the receiver's clock (%d in all)", mismatches.size()).isEmpty();
    }

    /**
     * What is wrong with one side's messages, sorted by sequence: they must be {@value #COUNT}, with sequences 1 to
     * {@value #COUNT} and the indices 0 to {@value #COUNT}-1 in that order, so each exactly once.
     */
    private static List<String> problems(List<Message> messages, String what) {
        List<String> problems = new ArrayList<>();
        if (messages.size() != COUNT) {
            problems.add(messages.size() + " " + what + " messages, not " + COUNT);
        }
        for (int i = 0; i < messages.size() && problems.size() < 20; i++) {
            Message m = messages.get(i);
            if (m.sequence() != i + 1 || index(m) != i) {
                problems.add("the " + what + " message at position " + i + " is index " + index(m) + ": " + m);
            }
        }
        return problems;
    }

    private static List<Message> readAll(Path file, String owner, Direction direction) {
        SqliteMessageStore store = SqliteMessageStore.builder(file).build();
        try {
            store.open(NodeId.of(owner));
            return StoredRows.all(store::history, HistoryQuery.builder().direction(direction));
        } finally {
            store.close();
        }
    }

    // ---- diagnostics

    /** The WARN and ERROR lines of every child, but for idle timeouts. */
    private List<String> complaints() {
        return children.stream()
                .flatMap(c -> c.stderr().lines()
                        .filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                        .filter(l -> !l.contains("nothing heard from the peer"))
                        .map(l -> c + ": " + l))
                .toList();
    }

    /** What the children wrote to stderr; with {@code all}, also which wrote nothing. */
    private String stderrOfChildren(boolean all) {
        StringBuilder b = new StringBuilder();
        for (ChildProcess c : children) {
            String err = c.stderr();
            if (!err.isEmpty()) {
                b.append("\n  stderr of ").append(c).append(":\n").append(err.indent(4));
            } else if (all) {
                b.append("\n  stderr of ").append(c).append(": (empty)");
            }
        }
        return b.toString();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static Optional<Long> seedProperty() {
        String value = System.getProperty("parley.test.seed");
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.decode(value.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dparley.test.seed must be a long, got '" + value + "'", e);
        }
    }
}
