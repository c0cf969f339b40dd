package io.parley.messaging.crash;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.BackpressureException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.Node;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.store.SqliteMessageStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One node of {@link CrashRecoveryTest}, run in a JVM of its own so that the test can kill it with SIGKILL and
 * start it again on the same SQLite file.
 *
 * <pre>
 * CrashNode receiver &lt;store file&gt; &lt;port, 0 for any&gt;
 * CrashNode sender   &lt;store file&gt; &lt;receiver's port&gt; &lt;count&gt;
 * </pre>
 *
 * <p>The receiver ({@value #RECEIVER}) listens and stores what arrives. The sender ({@value #SENDER}) sends the
 * messages {@code 0..count-1} to it, each payload its index in decimal. Started again on its file, the sender goes
 * on after the last message its store holds; the stored ones still PENDING are sent again by the node itself
 * (it reloads its outbox), not by this program.
 *
 * <p>Both print lines for the test on stdout, and log (WARN and up) on stderr:
 * <ul>
 *   <li>receiver: {@code READY <port> <held>} once listening, {@code held} being how many messages its store held
 *       when the process started (the indices {@code 0..held-1}, as the stream arrives in order);</li>
 *   <li>sender: {@code STORED <n>} first, {@code n} being how many messages its store held when the process started
 *       (the indices {@code 0..n-1}); then {@code ACKED <i>} every {@value #ACKED_EVERY} receipts, once every
 *       message this process sent from {@code n} to {@code i} has its receipt; {@code DONE} once every message
 *       {@code 0..count-1} is DELIVERED in its store;</li>
 *   <li>either: {@code FAILED <index> <cause>} if a send fails for any reason but backpressure, and
 *       {@code FAILED - <cause>} (then exits) if the node does not start or a wait runs out.</li>
 * </ul>
 * A node exits, closing its node first, when its stdin closes: that is how the test stops it gracefully, and why a
 * node whose test JVM is gone does not linger.
 */
public final class CrashNode {

    static final String RECEIVER = "r";
    static final String SENDER = "s";
    static final int ACKED_EVERY = 250;
    /** Sends whose receipt the sender has not seen yet, at most; a few windows. */
    static final int MAX_IN_FLIGHT = 4_096;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration PATIENCE = Duration.ofMinutes(5);

    private CrashNode() {
    }

    public static void main(String[] args) {
        try {
            if (args.length == 3 && args[0].equals("receiver")) {
                receiver(Path.of(args[1]), Integer.parseInt(args[2]));
            } else if (args.length == 4 && args[0].equals("sender")) {
                sender(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            } else {
                System.err.println("usage: CrashNode receiver <file> <port> | CrashNode sender <file> <port> <count>");
                System.exit(64);
            }
        } catch (Throwable t) { // the node failed to start on its file, or a wait ran out: tell the test at once
            say("FAILED - " + t);
            t.printStackTrace();
            System.exit(70);
        }
    }

    private static void receiver(Path file, int port) {
        int held = storedCount(file, RECEIVER, Direction.RECEIVED);
        Node node = start(Node.builder().id(RECEIVER).listen("127.0.0.1", port)
                .store(SqliteMessageStore.builder(file).build()));
        say("READY " + node.localAddress().getPort() + " " + held);
    }

    private static void sender(Path file, int port, int count) throws InterruptedException {
        int stored = storedCount(file, SENDER, Direction.SENT);
        say("STORED " + stored);
        Node node = start(Node.builder().id(SENDER).peer(RECEIVER, "127.0.0.1", port)
                .store(SqliteMessageStore.builder(file).build()));
        Progress progress = new Progress(stored, count);
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        NodeId receiver = NodeId.of(RECEIVER);
        for (int i = stored; i < count; i++) {
            inFlight.acquire();
            int index = i;
            sendOnce(node, receiver, index, progress).whenComplete((receipt, failure) -> {
                inFlight.release();
                if (failure == null) {
                    progress.acked(index);
                } else {
                    say("FAILED " + index + " " + failure);
                }
            });
        }
        progress.awaitAllAcked();
        // Messages stored by an earlier process have no future here: watch the store until none is PENDING.
        HistoryQuery pending = HistoryQuery.builder().direction(Direction.SENT).status(DeliveryStatus.PENDING).limit(1).build();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> node.history(pending).isEmpty());
        say("DONE");
    }

    /** Sends message {@code index}, waiting for receipts to come in as long as the node pushes back. */
    private static CompletableFuture<Receipt> sendOnce(Node node, NodeId receiver, int index, Progress progress)
            throws InterruptedException {
        byte[] payload = Integer.toString(index).getBytes(UTF_8);
        while (true) {
            long seen = progress.receipts();
            CompletableFuture<Receipt> f = node.send(receiver, payload);
            if (!(f.isCompletedExceptionally() && causeOf(f) instanceof BackpressureException)) {
                return f;
            }
            progress.awaitReceiptsBeyond(seen);
        }
    }

    private static Throwable causeOf(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    /** Starts the node and has the process exit, closing it, once stdin closes. */
    private static Node start(io.parley.messaging.NodeBuilder builder) {
        Node node = builder.reconnect(Duration.ofMillis(20), Duration.ofMillis(250)).closeTimeout(CLOSE_TIMEOUT)
                .build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "close-node"));
        Thread watcher = new Thread(() -> {
            drain(System.in);
            System.exit(0);
        }, "stdin-watcher");
        watcher.start(); // not a daemon: the process lives until stdin closes
        return node;
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // nothing to read but the end
            }
        } catch (IOException e) {
            // the test is gone: exit all the same
        }
    }

    /**
     * How many messages the store in {@code file} holds, read before the node starts: one more than the index of
     * the newest message going {@code direction}. Messages are stored in index order, so those are all of them.
     */
    private static int storedCount(Path file, String owner, Direction direction) {
        SqliteMessageStore store = SqliteMessageStore.builder(file).build();
        try {
            store.open(NodeId.of(owner));
            List<Message> newest = store.history(HistoryQuery.builder().direction(direction)
                    .order(HistoryQuery.Order.NEWEST_FIRST).limit(1).build());
            return newest.isEmpty() ? 0 : index(newest.get(0)) + 1;
        } finally {
            store.close();
        }
    }

    /** The index a message carries as its payload. */
    static int index(Message m) {
        return Integer.parseInt(m.text());
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Receipts of this process's sends, and the first index from its start whose receipt is still missing. */
    private static final class Progress {
        private final int start;
        private final int count;
        private final BitSet acked = new BitSet();
        private int contiguous;
        private long receipts;

        Progress(int start, int count) {
            this.start = start;
            this.count = count;
            this.contiguous = start;
        }

        synchronized void acked(int index) {
            acked.set(index - start);
            receipts++;
            while (contiguous < count && acked.get(contiguous - start)) {
                contiguous++;
            }
            if (contiguous > start && (receipts % ACKED_EVERY == 0 || contiguous == count)) {
                say("ACKED " + (contiguous - 1));
            }
            notifyAll();
        }

        synchronized long receipts() {
            return receipts;
        }

        synchronized void awaitReceiptsBeyond(long seen) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (receipts == seen) {
                waitUntil(deadline, "a receipt while the node pushes back");
            }
        }

        synchronized void awaitAllAcked() throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (contiguous < count) {
                waitUntil(deadline, "receipts for messages " + contiguous + " to " + (count - 1));
            }
        }

        private void waitUntil(long deadline, String what) throws InterruptedException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("no " + what + " within " + PATIENCE);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
