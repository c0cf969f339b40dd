package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.Receipt;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.ClockOffsetEstimator;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.transport.PendingAck;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreStageTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    private final CountDownLatch release = new CountDownLatch(1);
    private final InMemoryMessageStore memory = new InMemoryMessageStore();
    private final List<Message> heard = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final InboundGate gate = new InboundGate(SELF);
    private final CountDownLatch listenerRelease = new CountDownLatch(1);
    private volatile boolean holdListener;
    private final StoreStage stage = new StoreStage(SELF, new HeldStore(memory, release), executor,
            new ListenerDispatcher(SELF, this::listen, executor, gate), gate, Thread::new);

    private void listen(Message m) {
        if (holdListener) {
            try {
                listenerRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        heard.add(m);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        listenerRelease.countDown();
        stage.close();
        executor.shutdownNow();
        channel.finishAndReleaseAll();
    }

    @Test
    void receiverStopsReadingWhileTheStoreIsBehindAndResumesOnceItCatchesUp() throws Exception {
        memory.open(SELF);
        stage.start();
        // Closed, so no acks are written to it from the store thread; reads are still switched on and off.
        channel.close();
        Session session = new Session(PEER, 7, channel, false, "");
        // The store thread takes at most one batch before the held store stops it.
        int count = InboundGate.HIGH_WATER_MESSAGES + StoreStage.MAX_BATCH + 10;

        for (int seq = 1; seq <= count; seq++) {
            stage.submitReceive(session, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        assertThat(channel.config().isAutoRead()).as("paused while the store holds back").isFalse();
        assertThat(gate.backlog()).isGreaterThan(InboundGate.HIGH_WATER_MESSAGES);

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> channel.config().isAutoRead());
        stage.barrier().get(30, TimeUnit.SECONDS);
        assertThat(memory.receivedWatermark(PEER, 7)).isEqualTo(count);
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == count);
        await().atMost(Duration.ofSeconds(10)).until(() -> gate.backlog() == 0);
        assertThat(heard).extracting(Message::sequence).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void receiverStopsReadingWhileTheListenerIsBehindAndResumesOnceItCatchesUp() throws Exception {
        memory.open(SELF);
        release.countDown();
        holdListener = true;
        stage.start();
        channel.close();
        Session session = new Session(PEER, 7, channel, false, "");
        int count = InboundGate.HIGH_WATER_MESSAGES + 10;

        for (int seq = 1; seq <= count; seq++) {
            stage.submitReceive(session, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        stage.barrier().get(30, TimeUnit.SECONDS);
        assertThat(memory.receivedWatermark(PEER, 7)).as("all stored").isEqualTo(count);
        assertThat(channel.config().isAutoRead()).as("paused while the listener holds back").isFalse();

        listenerRelease.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> channel.config().isAutoRead());
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == count && gate.backlog() == 0);
    }

    @Test
    void sequenceGapIsNotStored() throws Exception {
        memory.open(SELF);
        stage.start();
        release.countDown();
        channel.close();
        Session session = new Session(PEER, 7, channel, false, "");

        stage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        stage.submitReceive(session, received(3), 2, new HybridTimestamp(3, 0));
        stage.submitReceive(session, received(1), 0, new HybridTimestamp(4, 0));
        stage.barrier().get(10, TimeUnit.SECONDS);

        assertThat(memory.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()))
                .extracting(Message::sequence).containsExactly(1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 1);
    }

    /**
     * A connection replaced by a new one while it carried messages: the peer's Resume on the new one reached the
     * store thread first, then messages that came in on the old one (whose acks are lost with it), then this
     * node's own Resume. The own Resume counts those messages as held, so the sender will not send them again;
     * they must be acked again on the new connection, or the sender waits for acks until some later reconnect.
     */
    @Test
    void messagesCountedInOwnResumeButReceivedOnAReplacedConnectionAreAckedAgainOnTheNewOne() throws Exception {
        memory.open(SELF);
        release.countDown();
        stage.start();
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        Session old = new Session(PEER, 7, oldChannel, false, "");
        Session current = new Session(PEER, 7, channel, true, "");
        PeerLink link = link();

        stage.submitPeerResumed(current, 0);
        stage.barrier().get(10, TimeUnit.SECONDS);
        for (int seq = 1; seq <= 3; seq++) {
            stage.submitReceive(old, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        oldChannel.close();
        stage.submitResume(link, current, 0);
        stage.barrier().get(10, TimeUnit.SECONDS);
        channel.runPendingTasks();

        // In the order written: this node's Resume, then the acks.
        List<Object> written = new java.util.ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            written.add(o instanceof PendingAck a ? a.seq() : o);
        }
        assertThat(written).first().isInstanceOfSatisfying(Frame.class,
                f -> assertThat(f.getResume().getReceivedSeq()).as("own Resume counts them").isEqualTo(3));
        assertThat(written.subList(1, written.size())).as("acked again on the new connection").containsExactly(1L, 2L, 3L);
        oldChannel.finishAndReleaseAll();
    }

    /**
     * Once this node's Resume on a new connection has told the sender how far its stream is held, a message still
     * on its way in on the replaced connection is not stored (the sender sends it again on the new one, after that
     * point); the same message on the new connection is.
     */
    @Test
    void aMessageStillComingInOnAReplacedConnectionAfterTheNewOnesResumeIsNotStored() throws Exception {
        memory.open(SELF);
        release.countDown();
        stage.start();
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        Session old = new Session(PEER, 7, oldChannel, false, "");
        Session current = new Session(PEER, 7, channel, true, "");
        for (int seq = 1; seq <= 2; seq++) {
            stage.submitReceive(old, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        stage.submitResume(link(), current, 0);
        stage.submitReceive(old, received(3), 2, new HybridTimestamp(3, 0));
        stage.barrier().get(10, TimeUnit.SECONDS);

        assertThat(memory.receivedWatermark(PEER, 7)).as("the late copy on the old connection").isEqualTo(2);
        oldChannel.runPendingTasks();
        assertThat(oldChannel.isOpen()).as("the old connection, which brought it").isFalse();
        assertThat(frames(oldChannel)).last().satisfies(f ->
                assertThat(f.getError().getCode()).isEqualTo(io.parley.messaging.proto.v1.Error.Code.CODE_DUPLICATE_CONNECTION));

        stage.submitReceive(current, received(3), 2, new HybridTimestamp(3, 0));
        stage.barrier().get(10, TimeUnit.SECONDS);
        assertThat(memory.receivedWatermark(PEER, 7)).as("sent again on the new connection").isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 3 && gate.backlog() == 0);
        assertThat(heard).extracting(Message::sequence).containsExactly(1L, 2L, 3L);
        channel.runPendingTasks();
        oldChannel.runPendingTasks();
        oldChannel.finishAndReleaseAll();
    }

    /**
     * Two sessions attached to a link in the order they became current can reach its loop in the other order: the
     * older one's attach, handed over from another event loop, waits in the loop's queue while the loop attaches
     * the newer one at once. The older one must not take the link back: the link would wait for a Resume on a
     * connection being closed and send nothing on the live one, and the store would take the peer's stream only
     * from the old one, so neither direction would move until the live connection failed.
     */
    @Test
    void anOlderSessionAttachedAfterANewerOneDoesNotTakeTheLinkBack() throws Exception {
        memory.open(SELF);
        release.countDown();
        stage.start();
        DefaultEventLoop loop = new DefaultEventLoop();
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        try {
            Session old = new Session(PEER, 7, oldChannel, true, "");
            Session current = new Session(PEER, 7, channel, false, "");
            PeerLink link = link(loop);
            loop.submit(() -> {
                Thread otherLoop = new Thread(() -> link.attach(old, 1));
                otherLoop.start();
                otherLoop.join(); // queued behind this task
                link.attach(current, 2); // run at once
                return null;
            }).get(10, TimeUnit.SECONDS);
            link.onResume(current, 0);
            CompletableFuture<Receipt> receipt = link.send(seq -> sent(seq));
            stage.barrier().get(10, TimeUnit.SECONDS); // the send and both Resumes written, the link told of them
            loop.submit(() -> { }).get(10, TimeUnit.SECONDS); // and the link has acted on it

            assertThat(loop.submit(() -> frames(channel)).get(10, TimeUnit.SECONDS))
                    .as("on the newer connection").extracting(Frame::getBodyCase)
                    .containsExactly(Frame.BodyCase.RESUME, Frame.BodyCase.ENVELOPE);
            assertThat(loop.submit(() -> frames(oldChannel)).get(10, TimeUnit.SECONDS))
                    .as("on the older connection").extracting(Frame::getBodyCase).doesNotContain(Frame.BodyCase.ENVELOPE);

            link.onAcks(AckBatch.newBuilder().addAcks(Ack.newBuilder().setSeq(1).setStatus(AckStatus.ACK_STATUS_STORED)
                    .setReceiverTimeMicros(5)).build(), 6, System.nanoTime());
            assertThat(receipt).succeedsWithin(Duration.ofSeconds(10))
                    .satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            oldChannel.finishAndReleaseAll();
        }
    }

    /** The frames written to {@code ch}, leaving out acks (written as {@link PendingAck}s, encoded further on). */
    private static List<Frame> frames(EmbeddedChannel ch) {
        List<Frame> frames = new java.util.ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof Frame f) {
                frames.add(f);
            }
        }
        return frames;
    }

    /**
     * A store read that fails while the batch is sorted (a watermark) fails the whole batch like a failed commit:
     * sends fail, the connection whose message could not be checked is closed with an Error, the gate lets the
     * message go, barriers complete; and the thread goes on with the next batch.
     */
    @Test
    void aStoreReadThatFailsBeforeTheCommitAnswersEveryOperationOfTheBatch() throws Exception {
        memory.open(SELF);
        release.countDown();
        java.util.concurrent.atomic.AtomicBoolean failReads = new java.util.concurrent.atomic.AtomicBoolean(true);
        MessageStore failing = new ForwardingMessageStore(memory) {
            @Override
            public long receivedWatermark(NodeId sender, long senderIncarnation) {
                if (failReads.get()) {
                    throw new io.parley.messaging.store.StoreException("disk I/O error (test)");
                }
                return super.receivedWatermark(sender, senderIncarnation);
            }
        };
        StoreStage failingStage = new StoreStage(SELF, failing, executor,
                new ListenerDispatcher(SELF, this::listen, executor, gate), gate, Thread::new);
        try {
            Session session = new Session(PEER, 7, channel, false, "");
            java.util.concurrent.CompletableFuture<io.parley.messaging.Receipt> sent = new java.util.concurrent.CompletableFuture<>();
            assertThat(failingStage.reserveSend()).isTrue();
            failingStage.submitSend(new OutboundMessage(sent(1), sent, link()));
            failingStage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
            java.util.concurrent.CompletableFuture<Void> barrier = failingStage.barrier();
            failingStage.start(); // all three in its first batch

            barrier.get(10, TimeUnit.SECONDS);
            assertThat(sent).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                    .havingRootCause().withMessageContaining("disk I/O error");
            channel.runPendingTasks();
            assertThat(channel.isOpen()).as("the connection whose message was not stored").isFalse();
            assertThat((Frame) channel.readOutbound()).satisfies(f -> assertThat(f.hasError()).isTrue());
            assertThat(gate.backlog()).isZero();
            assertThat(memory.receivedWatermark(PEER, 7)).isZero();
            assertThat(failingStage.reserveSend()).as("the failed send no longer counts as queued").isTrue();

            failReads.set(false);
            EmbeddedChannel next = new EmbeddedChannel();
            failingStage.submitReceive(new Session(PEER, 7, next, false, ""), received(1), 0, new HybridTimestamp(2, 0));
            failingStage.barrier().get(10, TimeUnit.SECONDS);
            assertThat(memory.receivedWatermark(PEER, 7)).as("stored when the sender sends it again").isEqualTo(1);
            next.runPendingTasks();
            next.finishAndReleaseAll();
        } finally {
            failingStage.close();
        }
    }

    private PeerLink link() {
        return link(channel.eventLoop());
    }

    private PeerLink link(io.netty.channel.EventLoop loop) {
        return new PeerLink(PEER, loop, 16, 100, 16, stage, new HybridLogicalClock(WallClock.system()),
                WallClock.system(), new ClockOffsetEstimator(), executor, new Quiescence());
    }

    private static Message sent(long seq) {
        return new Message(UUID.randomUUID(), SELF, PEER, Direction.SENT, DeliveryStatus.PENDING, 9, seq, seq,
                Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), new byte[] {4, 5, 6});
    }

    @Test
    void sendsBeyondWhatTheStoreHasYetToWriteAreRefused() {
        for (int i = 0; i < StoreStage.MAX_UNCOMMITTED_SENDS; i++) {
            assertThat(stage.reserveSend()).isTrue();
        }

        assertThat(stage.reserveSend()).isFalse();
        assertThat(stage.reserveSend()).as("a refusal takes no room").isFalse();
    }

    private static Message received(long seq) {
        return new Message(UUID.randomUUID(), PEER, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, 7, seq, seq, seq,
                new HybridTimestamp(seq, 0), new byte[] {1, 2, 3});
    }

    /** A store whose first batch waits until the test lets it go. */
    private static final class HeldStore extends ForwardingMessageStore {
        private final CountDownLatch release;

        HeldStore(MessageStore delegate, CountDownLatch release) {
            super(delegate);
            this.release = release;
        }

        @Override
        public WriteResult apply(WriteBatch batch) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.apply(batch);
        }
    }
}
