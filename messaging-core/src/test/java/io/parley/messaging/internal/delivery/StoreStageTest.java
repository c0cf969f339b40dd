package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.Receipt;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.transport.PendingAck;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store stage as a specification, stepped by hand: no store thread, no sleeps, no latches. A store "behind" is
 * one whose {@code doWork()} the test has not called yet; a listener behind is one whose executor it has not run.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreStageTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    private final InMemoryMessageStore memory = new InMemoryMessageStore();
    private final List<Message> heard = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final DeliveryFixture node = new DeliveryFixture(SELF, memory, heard::add, 16, 100);
    private final StoreStage stage = node.stage;

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void receiverStopsReadingWhileTheStoreIsBehindAndResumesOnceItCatchesUp() {
        memory.open(SELF);
        Session session = new Session(PEER, 7, channel, false, "");
        int count = InboundGate.HIGH_WATER_MESSAGES + 10;

        for (int seq = 1; seq <= count; seq++) {
            stage.submitReceive(session, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        assertThat(channel.config().isAutoRead()).as("paused while the store holds back").isFalse();
        assertThat(node.gate.backlog()).isEqualTo(count);

        node.step();
        node.runListener();

        assertThat(channel.config().isAutoRead()).as("reading again once it caught up").isTrue();
        assertThat(memory.receivedWatermark(PEER, 7)).isEqualTo(count);
        assertThat(heard).hasSize(count).extracting(Message::sequence).isSorted().doesNotHaveDuplicates();
        assertThat(node.gate.backlog()).isZero();
    }

    @Test
    void receiverStopsReadingWhileTheListenerIsBehindAndResumesOnceItCatchesUp() {
        memory.open(SELF);
        Session session = new Session(PEER, 7, channel, false, "");
        int count = InboundGate.HIGH_WATER_MESSAGES + 10;

        for (int seq = 1; seq <= count; seq++) {
            stage.submitReceive(session, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        node.step();
        assertThat(memory.receivedWatermark(PEER, 7)).as("all stored").isEqualTo(count);
        assertThat(channel.config().isAutoRead()).as("paused while the listener holds back").isFalse();

        node.runListener();
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(heard).hasSize(count);
        assertThat(node.gate.backlog()).isZero();
    }

    @Test
    void storedMessagesAreAckedOnlyAfterTheirCommit() {
        memory.open(SELF);
        Session session = new Session(PEER, 7, channel, false, "");
        stage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).as("nothing acked before the commit").isNull();

        node.step();
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(PendingAck.class, a -> {
            assertThat(a.seq()).isEqualTo(1);
            assertThat(a.status()).isEqualTo(AckStatus.ACK_STATUS_STORED);
        });
    }

    @Test
    void sequenceGapIsNotStored() {
        memory.open(SELF);
        Session session = new Session(PEER, 7, channel, false, "");

        stage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        stage.submitReceive(session, received(3), 2, new HybridTimestamp(3, 0));
        stage.submitReceive(session, received(1), 0, new HybridTimestamp(4, 0));
        node.step();
        node.runListener();

        assertThat(memory.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()))
                .extracting(Message::sequence).containsExactly(1L);
        assertThat(heard).hasSize(1);
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("the connection that skipped a message").isFalse();
        assertThat(node.gate.backlog()).isZero();
    }

    /**
     * A connection replaced by a new one while it carried messages: the peer's Resume on the new one reached the
     * store first, then messages that came in on the old one (whose acks are lost with it), then this node's own
     * Resume. The own Resume counts those messages as held, so the sender will not send them again; they must be
     * acked again on the new connection, or the sender waits for acks until some later reconnect.
     */
    @Test
    void messagesCountedInOwnResumeButReceivedOnAReplacedConnectionAreAckedAgainOnTheNewOne() {
        memory.open(SELF);
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        Session old = new Session(PEER, 7, oldChannel, false, "");
        Session current = new Session(PEER, 7, channel, true, "");

        stage.submitPeerResumed(current, 0);
        node.step();
        for (int seq = 1; seq <= 3; seq++) {
            stage.submitReceive(old, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        oldChannel.close();
        stream().attach(current, 1);
        node.step();
        channel.runPendingTasks();

        // In the order written: this node's Resume, then the acks.
        List<Object> written = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            written.add(o instanceof PendingAck a ? a.seq() : o);
        }
        assertThat(written).first().isInstanceOfSatisfying(Frame.class,
                f -> assertThat(f.getResume().getReceivedSeq()).as("own Resume counts them").isEqualTo(3));
        assertThat(written.subList(1, written.size())).as("acked again on the new connection").containsExactly(1L, 2L, 3L);
        oldChannel.finishAndReleaseAll();
    }

    /**
     * A peer whose Resume asks for many acks again (it says it settled nothing) gets them a page at a time: the next
     * page is read and written only once the connection took the one before, so a peer that asks and does not read
     * makes this node hold one page, not its whole stream.
     */
    @Test
    void ackAgainOfManyPagesWritesTheNextPageOnlyOnceTheConnectionTookTheLastOne() {
        memory.open(SELF);
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        Session old = new Session(PEER, 7, oldChannel, false, "");
        int count = StoreStage.MAX_BATCH + 5;
        for (int seq = 1; seq <= count; seq++) {
            stage.submitReceive(old, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        node.step();
        oldChannel.finishAndReleaseAll(); // its acks went down with it
        int[] flushes = {0};
        EmbeddedChannel slow = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                if (flushes[0] > 0) { // the peer reads only when the test says so
                    flushes[0]--;
                    ctx.flush();
                }
            }
        });
        try {
            Session current = new Session(PEER, 7, slow, false, "");
            stage.submitPeerResumed(current, 0);
            node.step();
            slow.runPendingTasks();
            assertThat(node.step()).as("nothing more until the connection takes the first page").isZero();

            flushes[0] = 1;
            slow.flush();
            assertThat(ackedSeqs(slow)).as("one page").hasSize(StoreStage.MAX_BATCH).startsWith(1L);

            assertThat(node.step()).as("the next page, now that the first was taken").isPositive();
            slow.runPendingTasks();
            flushes[0] = 1;
            slow.flush();
            assertThat(ackedSeqs(slow)).containsExactly(4097L, 4098L, 4099L, 4100L, 4101L);
        } finally {
            slow.finishAndReleaseAll();
        }
    }

    private static List<Long> ackedSeqs(EmbeddedChannel ch) {
        List<Long> seqs = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof PendingAck a) {
                seqs.add(a.seq());
            } else {
                io.netty.util.ReferenceCountUtil.release(o);
            }
        }
        return seqs;
    }

    /**
     * Once this node's Resume on a new connection has told the sender how far its stream is held, a message still
     * on its way in on the replaced connection is not stored (the sender sends it again on the new one, after that
     * point); the same message on the new connection is.
     */
    @Test
    void aMessageStillComingInOnAReplacedConnectionAfterTheNewOnesResumeIsNotStored() {
        memory.open(SELF);
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        Session old = new Session(PEER, 7, oldChannel, false, "");
        Session current = new Session(PEER, 7, channel, true, "");
        for (int seq = 1; seq <= 2; seq++) {
            stage.submitReceive(old, received(seq), seq - 1, new HybridTimestamp(seq, 0));
        }
        stream().attach(current, 1);
        stage.submitReceive(old, received(3), 2, new HybridTimestamp(3, 0));
        node.step();

        assertThat(memory.receivedWatermark(PEER, 7)).as("the late copy on the old connection").isEqualTo(2);
        oldChannel.runPendingTasks();
        assertThat(oldChannel.isOpen()).as("the old connection, which brought it").isFalse();
        assertThat(frames(oldChannel)).last().satisfies(f ->
                assertThat(f.getError().getCode()).isEqualTo(io.parley.messaging.proto.v1.Error.Code.CODE_DUPLICATE_CONNECTION));

        stage.submitReceive(current, received(3), 2, new HybridTimestamp(3, 0));
        node.step();
        node.runListener();
        assertThat(memory.receivedWatermark(PEER, 7)).as("sent again on the new connection").isEqualTo(3);
        assertThat(heard).extracting(Message::sequence).containsExactly(1L, 2L, 3L);
        assertThat(node.gate.backlog()).isZero();
        oldChannel.finishAndReleaseAll();
    }

    /**
     * Two sessions attached to a stream in the order they became current can reach its loop in the other order: the
     * older one's attach, handed over from another event loop, waits in the loop's queue while the loop attaches
     * the newer one at once. The older one must not take the stream back: it would wait for a Resume on a
     * connection being closed and send nothing on the live one, and the store would take the peer's stream only
     * from the old one, so neither direction would move until the live connection failed.
     */
    @Test
    void anOlderSessionAttachedAfterANewerOneDoesNotTakeTheStreamBack() throws Exception {
        memory.open(SELF);
        DefaultEventLoop loop = new DefaultEventLoop();
        EmbeddedChannel oldChannel = new EmbeddedChannel();
        try {
            Session old = new Session(PEER, 7, oldChannel, true, "");
            Session current = new Session(PEER, 7, channel, false, "");
            OutboundStream stream = node.stream(PEER, loop);
            loop.submit(() -> {
                Thread otherLoop = new Thread(() -> stream.attach(old, 1));
                otherLoop.start();
                otherLoop.join(); // queued behind this task
                stream.attach(current, 2); // run at once
                return null;
            }).get(10, TimeUnit.SECONDS);
            loop.submit(() -> { }).get(10, TimeUnit.SECONDS); // both attaches done
            stream.onResume(current, 0);
            CompletableFuture<Receipt> receipt = stream.send(3, this::sent);
            node.step(); // the send and the Resume(s) written, the stream told of them
            loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
            channel.runPendingTasks();

            assertThat(frames(channel)).as("on the newer connection").extracting(Frame::getBodyCase)
                    .containsExactly(Frame.BodyCase.RESUME, Frame.BodyCase.ENVELOPE);
            assertThat(frames(oldChannel)).as("on the older connection").extracting(Frame::getBodyCase)
                    .doesNotContain(Frame.BodyCase.ENVELOPE);

            stream.onAcks(AckBatch.newBuilder().addAcks(Ack.newBuilder().setSeq(1).setStatus(AckStatus.ACK_STATUS_STORED)
                    .setReceiverTimeMicros(5)).build(), 6, System.nanoTime());
            channel.runPendingTasks(); // the stream moved to the current connection's loop
            node.step();
            node.runReceipts();
            assertThat(receipt).isCompletedWithValueMatching(r -> r.status() == DeliveryStatus.DELIVERED);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            oldChannel.finishAndReleaseAll();
        }
    }

    /**
     * A store read that fails while the batch is sorted (a watermark) fails the whole batch like a failed commit:
     * sends fail, the connection whose message could not be checked is closed with an Error, the gate lets the
     * message go, barriers complete; and the next batch goes on.
     */
    @Test
    void aStoreReadThatFailsBeforeTheCommitAnswersEveryOperationOfTheBatch() {
        memory.open(SELF);
        AtomicBoolean failReads = new AtomicBoolean(true);
        MessageStore failing = new ForwardingMessageStore(memory) {
            @Override
            public long receivedWatermark(NodeId sender, long senderIncarnation) {
                if (failReads.get()) {
                    throw new io.parley.messaging.store.StoreException("disk I/O error (test)");
                }
                return super.receivedWatermark(sender, senderIncarnation);
            }
        };
        DeliveryFixture failingNode = new DeliveryFixture(SELF, failing, heard::add, 16, 100);
        StoreStage failingStage = failingNode.stage;
        Session session = new Session(PEER, 7, channel, false, "");
        ReceiptFuture sent = new ReceiptFuture();
        assertThat(failingStage.reserveSend(0)).isNull();
        failingStage.submitSend(new OutboundMessage(sent(1), sent, failingNode.stream(PEER, channel.eventLoop())));
        failingStage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        CompletableFuture<Void> barrier = failingStage.barrier();

        failingNode.step();
        failingNode.runReceipts();

        assertThat(barrier).isCompleted();
        assertThat(sent).isCompletedExceptionally();
        assertThat(sent).failsWithin(Duration.ZERO).withThrowableThat().havingRootCause().withMessageContaining("disk I/O error");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("the connection whose message was not stored").isFalse();
        assertThat((Frame) channel.readOutbound()).satisfies(f -> assertThat(f.hasError()).isTrue());
        assertThat(failingNode.gate.backlog()).isZero();
        assertThat(memory.receivedWatermark(PEER, 7)).isZero();
        assertThat(failingStage.reserveSend(0)).as("the failed send no longer counts as queued").isNull();

        failReads.set(false);
        EmbeddedChannel next = new EmbeddedChannel();
        failingStage.submitReceive(new Session(PEER, 7, next, false, ""), received(1), 0, new HybridTimestamp(2, 0));
        failingNode.step();
        assertThat(memory.receivedWatermark(PEER, 7)).as("stored when the sender sends it again").isEqualTo(1);
        next.finishAndReleaseAll();
    }

    /**
     * A step of passing a batch on that throws (here: handing stored sends to a stream whose event loop is shut
     * down) keeps none of the others (acks, barriers) from running.
     */
    @Test
    void aPassOnStepThatThrowsAfterTheCommitSkipsNoneOfTheOthers() throws Exception {
        memory.open(SELF);
        DefaultEventLoop gone = new DefaultEventLoop();
        gone.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        OutboundStream stream = node.stream(PEER, gone);
        Session session = new Session(PEER, 7, channel, false, "");
        ReceiptFuture future = new ReceiptFuture();
        assertThat(stage.reserveSend(0)).isNull();
        stage.submitSend(new OutboundMessage(sent(1), future, stream));
        stage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        CompletableFuture<Void> barrier = stage.barrier();

        node.step();
        channel.runPendingTasks();

        assertThat(barrier).as("steps after the failed one still ran").isCompleted();
        assertThat((Object) channel.readOutbound()).as("the ack still written").isInstanceOf(PendingAck.class);
        assertThat(memory.history(HistoryQuery.builder().direction(Direction.SENT).build())).hasSize(1);
    }

    @Test
    void anythingSubmittedAfterCloseFailsAtOnce() {
        memory.open(SELF);
        Session session = new Session(PEER, 7, channel, false, "");
        OutboundStream stream = node.stream(PEER, channel.eventLoop());
        stage.close();

        ReceiptFuture send = stream.send(3, this::sent);
        CompletableFuture<Void> barrier = stage.barrier();
        stage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        node.runReceipts();

        assertThat(send).as("a send racing close() never hangs").isCompletedExceptionally();
        assertThat(send).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(NodeClosedException.class);
        assertThat(barrier).isCompletedExceptionally();
        assertThat(node.gate.backlog()).as("a refused receive holds no room").isZero();
        assertThat(stream.outstanding()).isZero();
        assertThat(stage.reserveSend(0)).isNull();
        assertThat(node.step()).as("nothing was queued").isZero();
    }

    @Test
    void closingCommitsWhatIsQueuedThenClosesTheStoreOnItsOwnThread() {
        AtomicInteger closes = new AtomicInteger();
        MessageStore counting = new ForwardingMessageStore(memory) {
            @Override
            public void close() {
                closes.incrementAndGet();
                super.close();
            }
        };
        memory.open(SELF);
        DeliveryFixture n = new DeliveryFixture(SELF, counting, heard::add, 16, 100);
        Session session = new Session(PEER, 7, channel, false, "");
        n.stage.submitReceive(session, received(1), 0, new HybridTimestamp(1, 0));
        n.stage.close();

        assertThat(closes).as("not while work is queued").hasValue(0);
        n.step();
        n.stage.onClose();
        assertThat(closes).hasValue(1);
    }

    @Test
    void sessionsThatEndAreForgotten() {
        memory.open(SELF);
        for (int i = 0; i < 50; i++) {
            EmbeddedChannel ch = new EmbeddedChannel();
            Session s = new Session(PEER, 7, ch, false, "");
            stage.submitPeerResumed(s, 0);
            stage.submitResume(stream(), s, 0);
            stage.submitSessionEnded(s);
            node.step();
            ch.finishAndReleaseAll();
        }
        assertThat(stage.inbound().sessionsRemembered()).as("no closed session is kept").isZero();
    }

    @Test
    void sendsBeyondWhatTheStoreHasYetToWriteAreRefused() {
        for (int i = 0; i < StoreStage.MAX_UNCOMMITTED_SENDS; i++) {
            assertThat(stage.reserveSend(0)).isNull();
        }

        assertThat(stage.reserveSend(0)).isNotNull();
        assertThat(stage.reserveSend(0)).as("a refusal takes no room").isNotNull();
    }

    @Test
    void sendsWhosePayloadsWouldPassTheBytesTheStoreMayHaveYetToWriteAreRefused() {
        io.parley.messaging.internal.LimitCounters limits = new io.parley.messaging.internal.LimitCounters();
        StoreStage bounded = new StoreStage(SELF, memory, new ReceiptCompletion(Runnable::run),
                new ListenerDispatcher(SELF, null, Runnable::run, new InboundGate(SELF)), new InboundGate(SELF), 1000,
                limits);

        assertThat(bounded.reserveSend(5000)).as("one send always fits an empty queue").isNull();
        assertThat(bounded.reserveSend(1)).contains("5000 bytes of payloads still to write", "maxBodyBytesInMemory (1000)");
        bounded.sendsLeft(1, 5000);
        assertThat(bounded.reserveSend(600)).isNull();
        assertThat(bounded.reserveSend(400)).isNull();
        assertThat(bounded.reserveSend(1)).as("a refusal takes no room").isNotNull();
        bounded.unreserveSend(400);
        assertThat(bounded.reserveSend(400)).isNull();
        assertThat(limits.count(io.parley.messaging.Limit.BODY_BYTES_IN_MEMORY)).isEqualTo(2);
    }

    private OutboundStream stream() {
        return node.stream(PEER, channel.eventLoop());
    }

    /** The frames written to {@code ch}, leaving out acks (written as {@link PendingAck}s, encoded further on). */
    private static List<Frame> frames(EmbeddedChannel ch) {
        List<Frame> frames = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof Frame f) {
                frames.add(f);
            }
        }
        return frames;
    }

    private Message sent(long seq) {
        return new Message(UUID.randomUUID(), SELF, PEER, Direction.SENT, DeliveryStatus.PENDING, 9, seq, seq,
                Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), new byte[] {4, 5, 6});
    }

    private static Message received(long seq) {
        return DeliveryFixture.received(PEER, SELF, 7, seq);
    }
}
