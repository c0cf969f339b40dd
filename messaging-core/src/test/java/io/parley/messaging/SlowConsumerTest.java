package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that completes the handshake, then floods Pings over a real socket and never reads a byte: the node stops
 * reading from it once its buffer for that peer is full (so the Pongs it owes stop growing, and so does what the
 * flooder can push), closes the connection as a slow consumer after the configured time, and serves an honest peer
 * all along.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowConsumerTest {

    private static final Duration SLOW_CONSUMER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void peerThatFloodsPingsAndNeverReadsIsHeldThenClosedWhileAnHonestPeerIsServed() throws Exception {
        Limits limits = Limits.builder()
                .writeBufferLowWaterBytes(16 * 1024).writeBufferHighWaterBytes(64 * 1024)
                .slowConsumerTimeout(SLOW_CONSUMER_TIMEOUT)
                .maxControlFramesPerSecond(1_000_000) // the flood is to fill buffers here, not to trip a rate limit
                .build();
        ExecutorService flooder = Executors.newSingleThreadExecutor();
        try (Node n1 = Node.builder().id("n1").limits(limits).build().start();
             Node n2 = Node.builder().id("n2").peer("n1", "127.0.0.1", n1.localAddress().getPort()).build().start();
             RawPeer raw = RawPeer.connect(n1, 4096)) {
            assertThat(n2.send("n1", "before".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT);
            raw.handshake("parley", "flooder", 99);

            byte[] batch = pings(1_000);
            AtomicLong written = new AtomicLong();
            CompletableFuture<IOException> flood = CompletableFuture.supplyAsync(() -> {
                try {
                    while (true) {
                        raw.sendBytes(batch); // blocks once the node no longer reads
                        written.addAndGet(batch.length);
                    }
                } catch (IOException e) {
                    return e;
                }
            }, flooder);

            long start = System.nanoTime();
            await().atMost(WAIT).until(() -> n1.limitsReached().get(Limit.WRITE_BUFFER_FULL) >= 1);
            long full = System.nanoTime();
            assertThat(n2.send("n1", "during".getBytes(StandardCharsets.UTF_8)))
                    .as("an honest peer is served while the flooder is held").succeedsWithin(WAIT);

            await().atMost(WAIT).until(() -> n1.limitsReached().get(Limit.SLOW_CONSUMER) >= 1);
            long closed = System.nanoTime();
            assertThat(flood).as("the node closed the flooder's connection").succeedsWithin(WAIT);
            System.out.printf("slow consumer: buffer full after %d ms, closed %d ms later; the flooder wrote %d bytes%n",
                    TimeUnit.NANOSECONDS.toMillis(full - start), TimeUnit.NANOSECONDS.toMillis(closed - full), written.get());
            // What the node read is bounded by the socket buffers and its own write buffer, not by the flood: it
            // stopped reading once the Pongs it owed filled that buffer.
            assertThat(written.get()).as("bytes the flooder got in before it was held").isLessThan(64L * 1024 * 1024);
            assertThat(n1.limitsReached().get(Limit.SLOW_CONSUMER)).as("once, for the one connection").isEqualTo(1);

            assertThat(n2.send("n1", "after".getBytes(StandardCharsets.UTF_8))).succeedsWithin(WAIT);
            assertThat(n1.limitsReached().get(Limit.WRITE_BUFFER_FULL)).as("the honest link never filled up").isEqualTo(1);
        } finally {
            flooder.shutdownNow();
            assertThat(flooder.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** {@code count} Pings, each a frame of its own, in one array. */
    private static byte[] pings(int count) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (int i = 1; i <= count; i++) {
            byte[] body = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(i).setSentAtMicros(i)).build().toByteArray();
            out.writeInt(body.length);
            out.write(body);
        }
        return bytes.toByteArray();
    }
}
