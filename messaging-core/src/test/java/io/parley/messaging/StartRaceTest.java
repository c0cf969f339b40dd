package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Calls made from another thread while {@link Node#start()} is still building the node (here: held in the store's
 * open) see a node that is starting, not a half-built one: sends are refused with a clear message, peers() is
 * empty, and close() waits for start() to stop and then leaves nothing behind.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StartRaceTest {

    /** A store whose open() waits until the test lets it go, and that remembers being closed. */
    private static final class HeldOpenStore extends ForwardingMessageStore {
        final CountDownLatch opening = new CountDownLatch(1);
        final CountDownLatch letOpen = new CountDownLatch(1);
        final AtomicBoolean closed = new AtomicBoolean();

        HeldOpenStore() {
            super(new InMemoryMessageStore());
        }

        @Override
        public long open(NodeId owner) {
            opening.countDown();
            try {
                if (!letOpen.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test never let the store open");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return super.open(owner);
        }

        @Override
        public void close() {
            closed.set(true);
            super.close();
        }
    }

    @Test
    void sendAndPeersDuringStartSeeAStartingNodeNotAHalfBuiltOne() throws Exception {
        HeldOpenStore store = new HeldOpenStore();
        Node node = Node.builder().id("starting").store(store).peer("b=127.0.0.1:9").build();
        CompletableFuture<Node> started = CompletableFuture.supplyAsync(node::start);
        try {
            assertThat(store.opening.await(10, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> node.send("b", new byte[1]))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("node starting is still starting");
            assertThatThrownBy(() -> node.broadcast(new byte[1]))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("still starting");
            assertThat(node.peers()).isEmpty();
            assertThatThrownBy(() -> node.addPeer(PeerAddress.parse("c=127.0.0.1:9")))
                    .isInstanceOf(IllegalStateException.class);

            store.letOpen.countDown();
            assertThat(started).succeedsWithin(Duration.ofSeconds(10));
            assertThat(node.peers()).extracting(PeerInfo::id).containsExactly(new NodeId("b"));
        } finally {
            store.letOpen.countDown();
            node.close();
        }
        assertThat(store.closed).isTrue();
    }

    @Test
    void closeDuringStartWaitsForStartToStopAndReleasesEverything() throws Exception {
        HeldOpenStore store = new HeldOpenStore();
        Node node = Node.builder().id("closed-while-starting").store(store).build();
        CompletableFuture<Node> started = CompletableFuture.supplyAsync(node::start);
        assertThat(store.opening.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closed = CompletableFuture.runAsync(node::close);
        // close() must not return while start() is still building the node.
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !closed.isDone());
        store.letOpen.countDown();

        assertThat(closed).succeedsWithin(Duration.ofSeconds(10));
        assertThat(started).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOf(NodeClosedException.class)
                .withMessageContaining("closed while it was starting");
        assertThat(store.closed).as("store closed").isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .as("threads of the node still alive")
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("parley-closed-while-starting-")));
        assertThat(node.send("b", new byte[1])).failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(NodeClosedException.class);
    }
}
