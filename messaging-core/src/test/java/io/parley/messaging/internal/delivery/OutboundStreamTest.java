package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.BackpressureException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.MessageExpiredException;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.store.InMemoryMessageStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sending half of delivery as a specification: numbering, the window, sending again after a reconnect, expiry,
 * backpressure and close. The store stage is stepped by hand ({@link DeliveryFixture#step()}), receipts run when the
 * test runs them, and connections are {@link EmbeddedChannel}s, whose loop runs the stream's tasks inline: no
 * threads, no sleeps. The time the stream reads is the test's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutboundStreamTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");
    private static final long PEER_INCARNATION = 7;

    private final AtomicLong nowMicros = new AtomicLong(1_700_000_000_000_000L);
    private final InMemoryMessageStore memory = new InMemoryMessageStore();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private DeliveryFixture node;

    @BeforeEach
    void openStore() {
        memory.open(SELF);
    }

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    // ---- the window

    @Test
    void onlyAWindowOfEnvelopesGoesOutAndEachAckLetsTheNextGo() {
        OutboundStream stream = stream(2, 100);
        Session session = session();
        List<ReceiptFuture> receipts = sendMany(stream, 4);

        connect(stream, session, 1, 0);

        assertThat(envelopes(session)).as("a window of 2").extracting(Envelope::getSeq).containsExactly(1L, 2L);

        stream.onAcks(acks(1), nowMicros.get(), System.nanoTime());
        assertThat(envelopes(session)).as("one acked, one more goes").extracting(Envelope::getSeq).containsExactly(3L);

        stream.onAcks(acks(2, 3), nowMicros.get(), System.nanoTime());
        assertThat(envelopes(session)).extracting(Envelope::getSeq).containsExactly(4L);

        node.step();
        node.runReceipts();
        assertThat(receipts.subList(0, 3)).allSatisfy(r ->
                assertThat(r).isCompletedWithValueMatching(receipt -> receipt.status() == DeliveryStatus.DELIVERED));
        assertThat(receipts.get(3)).as("not acked yet").isNotDone();
        assertThat(stream.outstanding()).isEqualTo(1);
    }

    @Test
    void nothingGoesOutBeforeBothResumes() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        sendMany(stream, 2);

        stream.attach(session, 1);
        stream.onResume(session, 0);
        assertThat(frames(session)).as("the peer's Resume alone: this node's is not written yet").isEmpty();

        node.step();
        List<Frame> written = frames(session);
        assertThat(written).extracting(Frame::getBodyCase)
                .as("this node's Resume first, then the Envelopes").containsExactly(
                        Frame.BodyCase.RESUME, Frame.BodyCase.ENVELOPE, Frame.BodyCase.ENVELOPE);
    }

    @Test
    void ownResumeAloneSendsNothingUntilThePeerResumes() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        sendMany(stream, 2);

        stream.attach(session, 1);
        node.step();
        assertThat(frames(session)).extracting(Frame::getBodyCase).containsExactly(Frame.BodyCase.RESUME);

        stream.onResume(session, 0);
        assertThat(envelopes(session)).extracting(Envelope::getSeq).containsExactly(1L, 2L);
    }

    // ---- resume

    @Test
    void afterAReconnectExactlyWhatThePeerHasNotStoredIsSentAgainInOrder() {
        OutboundStream stream = stream(16, 100);
        Session first = session();
        sendMany(stream, 5);
        connect(stream, first, 1, 0);
        assertThat(envelopes(first)).extracting(Envelope::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L);
        stream.onAcks(acks(1, 2), nowMicros.get(), System.nanoTime());

        first.channel().close();
        stream.detach(first);
        Session second = session();
        stream.attach(second, 2);
        stream.onResume(second, 3); // the peer stored 3 too, but its ack was lost with the first connection
        assertThat(envelopes(second)).as("before this node's Resume").isEmpty();

        node.step();
        List<Envelope> again = envelopes(second);
        assertThat(again).extracting(Envelope::getSeq).as("only what the peer does not hold").containsExactly(4L, 5L);
        assertThat(again).extracting(Envelope::getPreviousSeq).as("chained from what it holds").containsExactly(3L, 4L);
    }

    @Test
    void theFirstConnectionChainsEachEnvelopeToTheOneBefore() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        sendMany(stream, 3);

        connect(stream, session, 1, 0);

        assertThat(envelopes(session)).extracting(Envelope::getSeq, Envelope::getPreviousSeq)
                .containsExactly(tuple(1L, 0L), tuple(2L, 1L),
                        tuple(3L, 2L));
    }

    @Test
    void aReconnectWhoseResumeSaysThePeerHoldsNothingSendsEverythingUnacknowledgedAgain() {
        OutboundStream stream = stream(16, 100);
        Session first = session();
        sendMany(stream, 3);
        connect(stream, first, 1, 0);
        envelopes(first);
        stream.onAcks(acks(1), nowMicros.get(), System.nanoTime());

        first.channel().close();
        stream.detach(first);
        Session second = session();
        connect(stream, second, 2, 0);

        List<Envelope> again = envelopes(second);
        assertThat(again).extracting(Envelope::getSeq).containsExactly(2L, 3L);
        assertThat(again).extracting(Envelope::getPreviousSeq).as("after this side's settled floor").containsExactly(1L, 2L);
    }

    @Test
    void anOlderSessionAttachedAfterANewerOneIsIgnored() {
        OutboundStream stream = stream(16, 100);
        Session older = session();
        Session newer = session();
        sendMany(stream, 2);

        stream.attach(newer, 2);
        stream.attach(older, 1);
        node.step();
        stream.onResume(older, 0);
        stream.onResume(newer, 0);

        assertThat(frames(older)).as("no Resume, no Envelope on the older connection").isEmpty();
        assertThat(frames(newer)).extracting(Frame::getBodyCase).containsExactly(
                Frame.BodyCase.RESUME, Frame.BodyCase.ENVELOPE, Frame.BodyCase.ENVELOPE);
        assertThat(stream.loop()).as("still on the newer connection's loop").isSameAs(newer.channel().eventLoop());
    }

    @Test
    void aSessionAttachedAgainWithTheSameGenerationIsIgnored() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        Session other = session();
        stream.attach(session, 1);
        stream.attach(other, 1);
        node.step();

        assertThat(frames(other)).isEmpty();
        assertThat(frames(session)).extracting(Frame::getBodyCase).containsExactly(Frame.BodyCase.RESUME);
    }

    @Test
    void afterADetachNothingMoreGoesOutOnTheClosedConnection() {
        OutboundStream stream = stream(1, 100);
        Session session = session();
        sendMany(stream, 2);
        connect(stream, session, 1, 0);
        assertThat(envelopes(session)).extracting(Envelope::getSeq).containsExactly(1L);

        stream.detach(session);
        stream.onAcks(acks(1), nowMicros.get(), System.nanoTime()); // the ack arrived just before it closed

        assertThat(envelopes(session)).as("the window opened, but the connection is gone").isEmpty();
    }

    // ---- expiry

    @Test
    void aMessageWhoseTimeToLiveRanOutBeforeItWasSentIsWithdrawnAndTheNextEnvelopeSkipsIt() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        ReceiptFuture first = stream.send(3, this::message);
        ReceiptFuture expired = stream.send(3, seq -> message(seq, nowMicros.get() + 1_000));
        ReceiptFuture third = stream.send(3, this::message);
        stream.attach(session, 1);
        node.step();

        nowMicros.addAndGet(2_000); // its time to live ran out while the peer was not resumed yet
        stream.onResume(session, 0);

        List<Envelope> sent = envelopes(session);
        assertThat(sent).extracting(Envelope::getSeq).containsExactly(1L, 3L);
        assertThat(sent).extracting(Envelope::getPreviousSeq).as("3 names 1, so the peer sees 2 was withdrawn")
                .containsExactly(0L, 1L);

        node.step();
        node.runReceipts();
        assertThat(expired).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(MessageExpiredException.class);
        assertThat(first).isNotDone();
        assertThat(third).isNotDone();
        assertThat(stream.outstanding()).as("the withdrawn one is settled").isEqualTo(2);
        assertThat(memory.history(HistoryQuery.builder().direction(Direction.SENT).build()))
                .filteredOn(m -> m.sequence() == 2).extracting(Message::status).containsExactly(DeliveryStatus.EXPIRED);
    }

    @Test
    void aMessageWhoseTimeToLiveRunsOutWhileThePeerIsUnreachableIsWithdrawnByItsTimer() {
        fixture(16, 100);
        EmbeddedChannel loopOwner = newChannel(); // the stream's loop while it has no connection
        OutboundStream stream = node.stream(PEER, loopOwner.eventLoop());
        ReceiptFuture expiring = stream.send(3, seq -> message(seq, nowMicros.get() + 5_000));
        node.step(); // stored: its deadline is set on the stream's loop

        nowMicros.addAndGet(6_000);
        loopOwner.advanceTimeBy(6, TimeUnit.MILLISECONDS);
        loopOwner.runScheduledPendingTasks();
        node.step();
        node.runReceipts();

        assertThat(expiring).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(MessageExpiredException.class);
        assertThat(stream.outstanding()).isZero();

        Session session = session();
        ReceiptFuture next = stream.send(3, this::message);
        node.step();
        stream.attach(session, 1);
        node.step();
        stream.onResume(session, 0);
        assertThat(envelopes(session)).extracting(Envelope::getSeq, Envelope::getPreviousSeq)
                .as("the next one follows the withdrawn one").containsExactly(tuple(2L, 1L));
        assertThat(next).isNotDone();
    }

    @Test
    void aMessageAlreadyOnTheWireIsNotWithdrawnWhenItsTimeToLiveRunsOut() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        ReceiptFuture sent = stream.send(3, seq -> message(seq, nowMicros.get() + 5_000));
        connect(stream, session, 1, 0);
        assertThat(envelopes(session)).hasSize(1);

        nowMicros.addAndGet(6_000);
        EmbeddedChannel ch = (EmbeddedChannel) session.channel(); // the stream's loop now
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        node.step();
        node.runReceipts();
        assertThat(sent).as("the peer may have stored it: its ack tells").isNotDone();

        stream.onAcks(acks(1), nowMicros.get(), System.nanoTime());
        node.step();
        node.runReceipts();
        assertThat(sent).isCompletedWithValueMatching(r -> r.status() == DeliveryStatus.DELIVERED);
    }

    // ---- backpressure

    @Test
    void sendsBeyondMaxUnacknowledgedFailFastAndTakeNoRoom() {
        OutboundStream stream = stream(16, 3);
        Session session = session();
        List<ReceiptFuture> accepted = sendMany(stream, 3);

        ReceiptFuture refused = stream.send(3, this::message);
        ReceiptFuture refusedAgain = stream.send(3, this::message);

        assertThat(refused).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(BackpressureException.class);
        assertThat(refusedAgain).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(BackpressureException.class);
        assertThat(stream.outstanding()).as("refusals take no room").isEqualTo(3);
        assertThat(accepted).allSatisfy(f -> assertThat(f).isNotDone());

        connect(stream, session, 1, 0);
        stream.onAcks(acks(1), nowMicros.get(), System.nanoTime());
        node.step();
        node.runReceipts();
        assertThat(stream.outstanding()).isEqualTo(2);

        ReceiptFuture next = stream.send(3, this::message);
        assertThat(next).as("room again once one is settled").isNotDone();
        node.step();
        assertThat(envelopes(session)).extracting(Envelope::getSeq)
                .as("the refused sends took no sequence number").containsExactly(1L, 2L, 3L, 4L);
    }

    // ---- close

    @Test
    void closeFailsEveryWaitingFutureWithNodeClosedException() {
        OutboundStream stream = stream(1, 100);
        Session session = session();
        List<ReceiptFuture> stored = sendMany(stream, 3);
        connect(stream, session, 1, 0); // 1 on the wire, 2 and 3 waiting for the window
        ReceiptFuture queued = stream.send(3, this::message); // still queued for the store

        stream.close(new NodeClosedException("closed by the test"));
        node.step();
        node.runReceipts();

        List<ReceiptFuture> all = new ArrayList<>(stored);
        all.add(queued);
        assertThat(all).allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO).withThrowableThat()
                .withCauseInstanceOf(NodeClosedException.class));
        assertThat(stream.outstanding()).isZero();
    }

    @Test
    void afterCloseAcksAndResumesChangeNothing() {
        OutboundStream stream = stream(16, 100);
        Session session = session();
        ReceiptFuture f = stream.send(3, this::message);
        node.step();
        stream.close(new NodeClosedException("closed by the test"));
        node.runReceipts();

        stream.attach(session, 1);
        node.step();
        stream.onResume(session, 0);
        stream.onAcks(acks(1), nowMicros.get(), System.nanoTime());
        node.step();
        node.runReceipts();

        assertThat(frames(session)).isEmpty();
        assertThat(f).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(NodeClosedException.class);
        assertThat(stream.outstanding()).isZero();
    }

    // ---- a factory that throws (issue 12, item 5)

    /**
     * Regression: {@code send} used to count the message as outstanding, take room in the store's queue and a
     * sequence number before calling the factory, and gave none of them back when the factory threw; each such
     * failure shrank the stream's room for good, and the next message left a gap in the sequence.
     */
    @Test
    void aFactoryThatThrowsTakesNoRoomAndNoSequenceNumber() {
        OutboundStream stream = stream(16, 100);
        Session session = session();

        assertThatThrownBy(() -> stream.send(3, seq -> {
            throw new IllegalStateException("the factory failed");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(stream.outstanding()).isZero();
        int reservable = 0;
        while (reservable <= StoreStage.MAX_UNCOMMITTED_SENDS && node.stage.reserveSend(0) == null) {
            reservable++;
        }
        assertThat(reservable).as("the store's room, all given back").isEqualTo(StoreStage.MAX_UNCOMMITTED_SENDS);
        for (int i = 0; i < reservable; i++) {
            node.stage.unreserveSend(0);
        }

        stream.send(3, this::message);
        connect(stream, session, 1, 0);
        assertThat(envelopes(session)).extracting(Envelope::getSeq, Envelope::getPreviousSeq)
                .as("the next message takes the sequence number the failed one did not")
                .containsExactly(tuple(1L, 0L));
    }

    @Test
    void aFactoryThatThrowsErrorTakesNoRoomEither() {
        OutboundStream stream = stream(16, 1);

        assertThatThrownBy(() -> stream.send(3, seq -> {
            throw new AssertionError("the factory failed");
        })).isInstanceOf(AssertionError.class);

        assertThat(stream.outstanding()).isZero();
        assertThat(stream.send(3, this::message)).as("the one slot is free").isNotDone();
    }

    // ---- threads

    /**
     * An {@link EmbeddedChannel}'s loop says every thread is its own, so {@code crossThreadWrites()} cannot tell
     * here; the thread each Envelope is written from can: the test's (which drives the channel), never the loop the
     * stream was made on.
     */
    @Test
    void theStreamMovesToTheLoopOfTheConnectionItAttachesAndWritesEnvelopesFromThere() throws Exception {
        fixture(16, 100);
        DefaultEventLoop initial = new DefaultEventLoop();
        try {
            OutboundStream stream = node.stream(PEER, initial);
            assertThat(stream.loop()).isSameAs(initial);
            Session session = session();
            List<Thread> writers = new CopyOnWriteArrayList<>();
            session.channel().pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                    if (msg instanceof Frame f && f.hasEnvelope()) {
                        writers.add(Thread.currentThread());
                    }
                    ctx.write(msg, promise);
                }
            });

            stream.attach(session, 1); // handed to the initial loop, which runs it and moves the stream
            initial.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(stream.loop()).isSameAs(session.channel().eventLoop());

            sendMany(stream, 3);
            node.step();
            stream.onResume(session, 0);
            initial.submit(() -> { }).get(10, TimeUnit.SECONDS); // had the stream stayed, it would write from there

            assertThat(envelopes(session)).hasSize(3);
            assertThat(writers).hasSize(3).containsOnly(Thread.currentThread());
            assertThat(stream.crossThreadWrites()).isZero();
        } finally {
            initial.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /**
     * This node's Resume is written by the store thread, which then tells the stream; Envelopes must follow the
     * Resume on the wire. A write from the store thread is queued on the connection's loop, while the stream's home
     * loop may be running a drain on that very loop: the drain must not take the stream's "Resume written" ahead of
     * the queued write and send Envelopes before it (the peer closes the connection for that). Here the drain is
     * held, busy with the attach, while the store writes the Resume from its own thread. Real loops, a local channel.
     */
    @Test
    void envelopesFollowThisNodesResumeOnTheWireEvenWhileTheStreamIsBusyOnTheConnectionsLoop() throws Exception {
        fixture(16, 100);
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
        ExecutorService storeThread = Executors.newSingleThreadExecutor();
        try {
            EventLoop connectionLoop = loops.next();
            EventLoop peerLoop = loops.next();
            List<Frame> peerReceived = new CopyOnWriteArrayList<>();
            LocalAddress address = new LocalAddress("outbound-stream-test-" + UUID.randomUUID());
            new ServerBootstrap().group(peerLoop).channel(LocalServerChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            peerReceived.add((Frame) msg);
                        }
                    }).bind(address).sync();
            Channel channel = new Bootstrap().group(connectionLoop).channel(LocalChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
            Session session = new Session(PEER, PEER_INCARNATION, channel, true, "");
            OutboundStream stream = node.stream(PEER, connectionLoop);
            sendMany(stream, 2);
            connectionLoop.submit(() -> { }).get(10, TimeUnit.SECONDS); // stored, on the stream's loop

            AtomicBoolean armed = new AtomicBoolean(true);
            node.stage.onSubmit(() -> {
                if (connectionLoop.inEventLoop() && armed.compareAndSet(true, false)) {
                    // Inside the attach, on the connection's loop: the peer's Resume arrives and the store thread
                    // writes this node's, both while the stream's drain is still running here.
                    try {
                        storeThread.submit(() -> {
                            stream.onResume(session, 0);
                            node.step();
                        }).get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            stream.attach(session, 1);

            await().atMost(Duration.ofSeconds(10)).until(() -> peerReceived.size() >= 3);
            assertThat(armed).as("the store stepped inside the attach").isFalse();
            assertThat(peerReceived).extracting(Frame::getBodyCase).containsExactly(
                    Frame.BodyCase.RESUME, Frame.BodyCase.ENVELOPE, Frame.BodyCase.ENVELOPE);
        } finally {
            storeThread.shutdownNow();
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    // ---- helpers

    private void fixture(int window, int maxUnacknowledged) {
        node = new DeliveryFixture(SELF, memory, m -> { }, window, maxUnacknowledged, nowMicros::get);
    }

    /** A stream on the loop of a channel of its own, as one made before any connection to its peer. */
    private OutboundStream stream(int window, int maxUnacknowledged) {
        fixture(window, maxUnacknowledged);
        return node.stream(PEER, newChannel().eventLoop());
    }

    /** A channel whose loop's time moves only when the test moves it, so expiry timers fire when it says. */
    private EmbeddedChannel newChannel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        channels.add(ch);
        return ch;
    }

    private Session session() {
        return new Session(PEER, PEER_INCARNATION, newChannel(), true, "");
    }

    /** Makes {@code session} current as the {@code generation}th, writes this node's Resume, then the peer's arrives. */
    private void connect(OutboundStream stream, Session session, long generation, long peerReceivedSeq) {
        stream.attach(session, generation);
        node.step();
        ((EmbeddedChannel) session.channel()).runPendingTasks(); // the Resume is written on the connection's loop
        stream.onResume(session, peerReceivedSeq);
    }

    private List<ReceiptFuture> sendMany(OutboundStream stream, int count) {
        List<ReceiptFuture> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(stream.send(3, this::message));
        }
        node.step();
        return futures;
    }

    private Message message(long seq) {
        return message(seq, Message.NEVER);
    }

    private Message message(long seq, long expiresAtMicros) {
        long now = nowMicros.get();
        return new Message(UUID.randomUUID(), SELF, PEER, Direction.SENT, DeliveryStatus.PENDING, 9, seq, now,
                Message.UNKNOWN_TIME, new HybridTimestamp(now, 0), expiresAtMicros, new byte[] {4, 5, 6});
    }

    private AckBatch acks(long... seqs) {
        AckBatch.Builder b = AckBatch.newBuilder();
        for (long seq : seqs) {
            b.addAcks(Ack.newBuilder().setSeq(seq).setStatus(AckStatus.ACK_STATUS_STORED)
                    .setReceiverTimeMicros(nowMicros.get()).setAckedAtMicros(nowMicros.get()));
        }
        return b.build();
    }

    /** The frames written on {@code session}'s connection since the last call. */
    private static List<Frame> frames(Session session) {
        EmbeddedChannel ch = (EmbeddedChannel) session.channel();
        ch.runPendingTasks();
        List<Frame> frames = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof Frame f) {
                frames.add(f);
            }
        }
        return frames;
    }

    private static List<Envelope> envelopes(Session session) {
        return frames(session).stream().filter(Frame::hasEnvelope).map(Frame::getEnvelope).toList();
    }
}
