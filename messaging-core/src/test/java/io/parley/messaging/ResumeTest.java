package io.parley.messaging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Ping;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.store.StoreException;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streams taken up again after a restart: the outbox reloads from the sender's store, the Resume exchange sends
 * again exactly what the receiver has not stored, and the receiver acks again what it stored but the sender had
 * not recorded. Stores that outlive a node are played by an {@link InMemoryMessageStore} opened again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResumeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(Node::close);
    }

    private Node start(NodeBuilder builder) {
        Node n = builder.reconnect(Duration.ofMillis(20), Duration.ofMillis(200)).build().start();
        nodes.add(n);
        return n;
    }

    private static NodeBuilder node(String id, MessageStore store) {
        return Node.builder().id(id).store(store).closeTimeout(Duration.ZERO);
    }

    private static List<Message> all(MessageStore store, Direction direction) {
        return StoredRows.all(store::history, HistoryQuery.builder().direction(direction));
    }

    private static boolean allSettled(MessageStore store) {
        return all(store, Direction.SENT).stream().noneMatch(m -> m.status() == DeliveryStatus.PENDING);
    }

    @Test
    void senderRestartedOnItsStoreSendsItsBacklogAndRecordsEveryReceiptWithTheReceiversClock() throws Exception {
        MessageStore senderStore = new DurableInMemoryStore();
        MessageStore receiverStore = new InMemoryMessageStore();
        Node receiver = start(node("receiver", receiverStore));
        int port = receiver.localAddress().getPort();
        Node sender = start(node("sender", senderStore).peer("receiver", "127.0.0.1", port));
        await().atMost(WAIT).until(() -> receiver.peers().size() == 1 && receiver.peers().get(0).state() == PeerState.UP);

        int count = 20_000;
        for (int i = 0; i < count; i++) {
            sender.send("receiver", ("m" + i).getBytes(UTF_8));
        }
        // Some are stored on the receiver, some of those acked and recorded, the rest still in the outbox.
        await().atMost(WAIT).until(() -> all(receiverStore, Direction.RECEIVED).size() > count / 10);
        sender.close();

        Node restarted = start(node("sender", senderStore).peer("receiver", "127.0.0.1", port));
        assertThat(all(senderStore, Direction.SENT)).as("every send was stored before the close").hasSize(count);

        await().atMost(WAIT).until(() -> allSettled(senderStore));
        List<Message> sent = all(senderStore, Direction.SENT);
        List<Message> received = all(receiverStore, Direction.RECEIVED);
        assertThat(sent).hasSize(count).allSatisfy(m -> assertThat(m.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(received).hasSize(count);
        assertThat(received).extracting(Message::sequence).doesNotHaveDuplicates();
        Map<java.util.UUID, Message> byId = received.stream().collect(Collectors.toMap(Message::id, Function.identity()));
        assertThat(sent).allSatisfy(m -> {
            Message there = byId.get(m.id());
            assertThat(there).as("receiver's copy of %s", m).isNotNull();
            assertThat(m.receiverTimeMicros()).as("receiver time recorded for %s", m).isEqualTo(there.receiverTimeMicros());
            assertThat(there.senderTimeMicros()).isEqualTo(m.senderTimeMicros());
            assertThat(there.text()).isEqualTo(m.text());
        });
        assertThat(received).extracting(Message::text)
                .containsExactlyElementsOf(sent.stream().sorted(java.util.Comparator.comparingLong(Message::sequence))
                        .map(Message::text).toList());
        assertThat(restarted.incarnation()).isEqualTo(sender.incarnation());

        CompletableFuture<Receipt> after = restarted.send("receiver", "after the restart".getBytes(UTF_8));
        assertThat(after.get(30, TimeUnit.SECONDS).status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(all(receiverStore, Direction.RECEIVED)).last().extracting(Message::sequence).isEqualTo((long) count + 1);
    }

    @Test
    void receiverRestartedOnItsStoreGetsEveryMessageOnce() throws Exception {
        MessageStore receiverStore = new InMemoryMessageStore();
        Node sender = start(node("sender", new InMemoryMessageStore()));
        int senderPort = sender.localAddress().getPort();
        Node receiver = start(node("receiver", receiverStore).peer("sender", "127.0.0.1", senderPort));
        await().atMost(WAIT).until(() -> sender.peers().size() == 1 && sender.peers().get(0).state() == PeerState.UP);

        int count = 20_000;
        List<CompletableFuture<Receipt>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            futures.add(sender.send("receiver", ("m" + i).getBytes(UTF_8)));
        }
        await().atMost(WAIT).until(() -> all(receiverStore, Direction.RECEIVED).size() > count / 10);
        receiver.close();
        start(node("receiver", receiverStore).peer("sender", "127.0.0.1", senderPort));

        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<Message> received = all(receiverStore, Direction.RECEIVED);
        assertThat(received).extracting(Message::text)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, count).mapToObj(i -> "m" + i).toList());
        assertThat(futures).allSatisfy(f -> assertThat(f.join().receiverTimeMicros()).isNotEqualTo(Message.UNKNOWN_TIME));
    }

    @Test
    void receiverWithANewStoreTakesTheStreamUpAfterWhatTheSenderHasSettled() throws Exception {
        Node sender = start(node("sender", new InMemoryMessageStore()));
        int senderPort = sender.localAddress().getPort();
        Node receiver = start(node("receiver", new InMemoryMessageStore()).peer("sender", "127.0.0.1", senderPort));
        await().atMost(WAIT).until(() -> sender.peers().size() == 1 && sender.peers().get(0).state() == PeerState.UP);
        for (int i = 0; i < 100; i++) {
            sender.send("receiver", ("old" + i).getBytes(UTF_8)).get(30, TimeUnit.SECONDS);
        }
        receiver.close();

        MessageStore fresh = new InMemoryMessageStore();
        start(node("receiver", fresh).peer("sender", "127.0.0.1", senderPort));
        List<CompletableFuture<Receipt>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(sender.send("receiver", ("new" + i).getBytes(UTF_8)));
        }

        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(all(fresh, Direction.RECEIVED)).extracting(Message::sequence)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(101, 110).boxed().toList());
    }

    @Test
    void messageWhoseTimeToLiveRunsOutWhileThePeerIsDownExpiresAndIsNeverDelivered() throws Exception {
        MessageStore senderStore = new InMemoryMessageStore();
        Node sender = start(node("sender", senderStore).peer("receiver", "127.0.0.1", 1));

        CompletableFuture<Receipt> first = sender.send(NodeId.of("receiver"), "first".getBytes(UTF_8));
        CompletableFuture<Receipt> doomed = sender.send(NodeId.of("receiver"), "doomed".getBytes(UTF_8), Duration.ofMillis(200));
        CompletableFuture<Receipt> last = sender.send(NodeId.of("receiver"), "last".getBytes(UTF_8), Duration.ofHours(1));

        assertThat(doomed).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(MessageExpiredException.class)
                .withMessageContaining("expired");
        assertThat(first).isNotDone();
        await().atMost(WAIT).until(() -> all(senderStore, Direction.SENT).stream()
                .anyMatch(m -> m.text().equals("doomed") && m.status() == DeliveryStatus.EXPIRED));

        MessageStore receiverStore = new InMemoryMessageStore();
        Node receiver = start(node("receiver", receiverStore));
        sender.addPeer(PeerAddress.parse("receiver=127.0.0.1:" + receiver.localAddress().getPort()));

        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(last.get(30, TimeUnit.SECONDS).status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(all(receiverStore, Direction.RECEIVED)).extracting(Message::text).containsExactly("first", "last");
        assertThat(all(receiverStore, Direction.RECEIVED)).extracting(Message::sequence).containsExactly(1L, 3L);
        assertThat(all(senderStore, Direction.SENT)).extracting(Message::text, Message::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("first", DeliveryStatus.DELIVERED),
                org.assertj.core.groups.Tuple.tuple("doomed", DeliveryStatus.EXPIRED),
                org.assertj.core.groups.Tuple.tuple("last", DeliveryStatus.DELIVERED));
    }

    /** Says it is durable, so that the sender keeps only a few windows of bodies and reads the rest back. */
    private static class DurableInMemoryStore extends ForwardingMessageStore {
        final java.util.concurrent.atomic.AtomicInteger pendingReads = new java.util.concurrent.atomic.AtomicInteger();

        DurableInMemoryStore() {
            super(new InMemoryMessageStore());
        }

        @Override
        public boolean isDurable() {
            return true;
        }

        @Override
        public List<Message> pending(NodeId recipient, long afterSequence, int limit, long maxBytes) {
            pendingReads.incrementAndGet();
            return super.pending(recipient, afterSequence, limit, maxBytes);
        }
    }

    /** Holds back every batch from {@link #hold()} until {@link #release()}, as a store busy with a long commit. */
    private static final class HeldStore extends DurableInMemoryStore {
        private volatile CountDownLatch held;

        void hold() {
            held = new CountDownLatch(1);
        }

        void release() {
            CountDownLatch h = held;
            if (h != null) {
                h.countDown();
            }
        }

        @Override
        public WriteResult apply(WriteBatch batch) {
            CountDownLatch h = held;
            try {
                if (h != null && !h.await(60, TimeUnit.SECONDS)) {
                    throw new StoreException("held for 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted while held");
            }
            return super.apply(batch);
        }
    }

    @Test
    void envelopesFollowTheNodesOwnResumeEvenWhenThePeersResumeArrivesFirst() throws Exception {
        HeldStore store = new HeldStore();
        // One event loop: the peer's Resume, what the link does with it, and the Pong to the Ping after it run in
        // that order. The peer is dialled at a port where nothing listens; it dials in below.
        Node sender = start(node("sender", store).ioThreads(1).peer("raw", "127.0.0.1", 1));
        for (int i = 0; i < 3; i++) {
            sender.send("raw", ("m" + i).getBytes(UTF_8));
        }
        await().atMost(WAIT).until(() -> all(store, Direction.SENT).size() == 3);
        store.hold(); // the store thread, which writes the node's Resume once its batch is committed, is held up

        try (RawPeer raw = RawPeer.connect(sender)) {
            raw.send(RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, "raw", 99));
            assertThat(raw.read().hasWelcome()).isTrue();
            raw.send(Frame.newBuilder().setResume(Resume.getDefaultInstance()).build());
            raw.send(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build());

            List<Frame> beforePong = new ArrayList<>();
            for (Frame f = raw.read(); !f.hasPong(); f = raw.read()) {
                beforePong.add(f);
            }
            assertThat(beforePong).as("frames while the node's own Resume waits for its store")
                    .noneMatch(Frame::hasEnvelope);

            store.release();
            List<Frame> after = new ArrayList<>();
            while (after.size() < 4) {
                Frame f = raw.read();
                if (!f.hasPing() && !f.hasPong()) {
                    after.add(f);
                }
            }
            assertThat(after.get(0).hasResume()).as("first frame after the store caught up: %s", after.get(0)).isTrue();
            assertThat(after.subList(1, 4)).extracting(f -> f.getEnvelope().getSeq()).containsExactly(1L, 2L, 3L);
        } finally {
            store.release();
        }
    }

    @Test
    void backlogBeyondTheWindowWaitsInTheStoreAndGoesOutInOrder() throws Exception {
        Limits small = Limits.builder().sendWindow(16).build();
        DurableInMemoryStore senderStore = new DurableInMemoryStore();
        Node sender = start(node("sender", senderStore).limits(small));
        List<CompletableFuture<Receipt>> futures = new ArrayList<>();
        MessageStore receiverStore = new InMemoryMessageStore();
        List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        Node receiver = start(node("receiver", receiverStore).limits(small).onMessage(m -> heard.add(m.text()))
                .peer("sender", "127.0.0.1", sender.localAddress().getPort()));
        await().atMost(WAIT).until(() -> sender.peers().size() == 1 && sender.peers().get(0).state() == PeerState.UP);
        receiver.close();
        await().atMost(WAIT).until(() -> sender.peers().get(0).state() != PeerState.UP);
        for (int i = 0; i < 1_000; i++) {
            futures.add(sender.send("receiver", ("m" + i).getBytes(UTF_8)));
        }

        start(node("receiver", receiverStore).limits(small).onMessage(m -> heard.add(m.text()))
                .peer("sender", "127.0.0.1", sender.localAddress().getPort()));

        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(futures).allSatisfy(f -> assertThat(f.join().status()).isEqualTo(DeliveryStatus.DELIVERED));
        await().atMost(WAIT).until(() -> heard.size() == 1_000);
        assertThat(heard).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 1_000).mapToObj(i -> "m" + i).toList());
        assertThat(senderStore.pendingReads).as("bodies read back from the store").hasValueGreaterThan(10);
    }
}
