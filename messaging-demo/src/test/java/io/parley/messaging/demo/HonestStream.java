package io.parley.messaging.demo;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Node;
import io.parley.messaging.PeerState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;

/**
 * A stream of acknowledged messages from an honest node (in this JVM, on a SQLite store) to the node under attack, {@value #WINDOW}
 * in flight at a time, 100 bytes each, for as long as it runs: the yardstick of how much an attack takes from the
 * peers that do nothing wrong. The sending thread is its own; the counts are read from any thread.
 */
final class HonestStream implements AutoCloseable {

    static final int WINDOW = 64;
    private static final byte[] PAYLOAD = "x".repeat(100).getBytes(StandardCharsets.UTF_8);

    private final Node node;
    private final String target;
    private final Semaphore inFlight = new Semaphore(WINDOW);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread sender;
    private volatile boolean running = true;
    private volatile Throwable firstFailure;

    /**
     * @param store the honest node's SQLite file: an in-memory store would keep every message of a stream of hundreds
     *     of thousands in this JVM's heap
     */
    HonestStream(String target, int port, byte[] clusterSecret, java.nio.file.Path store) {
        this.target = target;
        this.node = Node.builder().id("honest").peer(target, "127.0.0.1", port).clusterSecret(clusterSecret)
                .store(io.parley.messaging.store.SqliteMessageStore.builder(store)
                        .synchronous(io.parley.messaging.store.SqliteMessageStore.Synchronous.NORMAL).build())
                .build().start();
        Awaitility.await("the honest node sees " + target + " UP").atMost(Duration.ofSeconds(30))
                .until(() -> node.peers().stream().anyMatch(p -> p.id().value().equals(target) && p.state() == PeerState.UP));
        this.sender = new Thread(this::run, "honest-stream");
        sender.setDaemon(true);
        sender.start();
    }

    private void run() {
        while (running) {
            try {
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            }
            sent.incrementAndGet();
            node.send(target, PAYLOAD).whenComplete((r, e) -> {
                if (e == null && r.status() == DeliveryStatus.DELIVERED) {
                    delivered.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    if (firstFailure == null) {
                        firstFailure = e != null ? e : new IllegalStateException("status " + r.status());
                    }
                }
                inFlight.release();
            });
        }
    }

    long delivered() {
        return delivered.get();
    }

    long failed() {
        return failed.get();
    }

    Throwable firstFailure() {
        return firstFailure;
    }

    /** Stops sending and waits, at most {@code timeout}, until every message sent has its outcome. */
    void stopAndDrain(Duration timeout) throws InterruptedException {
        running = false;
        sender.join(timeout.toMillis());
        Awaitility.await("every honest message has its outcome").atMost(timeout)
                .until(() -> delivered.get() + failed.get() == sent.get());
    }

    /** The honest node's incarnation, as its Hello and every Welcome of its show it. */
    long incarnation() {
        return node.incarnation();
    }

    long sent() {
        return sent.get();
    }

    @Override
    public void close() {
        running = false;
        node.close();
    }
}
