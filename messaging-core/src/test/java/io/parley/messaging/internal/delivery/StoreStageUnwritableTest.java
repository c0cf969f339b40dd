package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.transport.PendingAck;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.StoreUnavailableException;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store stage over a store that cannot write for a while (a full disk): the batch that met it is held and
 * committed again, whole, once the store writes; meanwhile nothing of it is acked or passed on, no connection is
 * closed, and connections that bring messages stop being read. Stepped by hand, as {@link StoreStageTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreStageUnwritableTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    private final InMemoryMessageStore memory = new InMemoryMessageStore();
    private final AtomicBoolean full = new AtomicBoolean();
    private final AtomicInteger attempts = new AtomicInteger();
    private final List<Message> heard = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final DeliveryFixture node = new DeliveryFixture(SELF, new ForwardingMessageStore(memory) {
        @Override
        public WriteResult apply(WriteBatch batch) {
            attempts.incrementAndGet();
            if (full.get()) {
                throw new StoreUnavailableException("disk full (test)");
            }
            return super.apply(batch);
        }
    }, heard::add, 16, 100);
    private final StoreStage stage = node.stage;

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aBatchTheStoreCannotWriteIsHeldUnackedWithReadsPausedAndCommittedOnceTheStoreWrites() {
        memory.open(SELF);
        stage.retryEvery(Duration.ZERO);
        Session session = new Session(PEER, 7, channel, false, "");
        ReceiptFuture sent = new ReceiptFuture();
        assertThat(stage.reserveSend(0)).isNull();
        stage.submitSend(new OutboundMessage(sent(), sent, node.stream(PEER, channel.eventLoop())));
        stage.submitReceive(session, DeliveryFixture.received(PEER, SELF, 7, 1), 0, new HybridTimestamp(1, 0));
        CompletableFuture<Void> barrier = stage.barrier();
        full.set(true);

        node.step();
        node.step();
        stage.submitReceive(session, DeliveryFixture.received(PEER, SELF, 7, 2), 1, new HybridTimestamp(2, 0));
        node.step();
        node.runReceipts();
        node.runListener();
        channel.runPendingTasks();

        assertThat(stage.health().writable()).isFalse();
        assertThat(stage.health().reason()).contains("disk full (test)");
        assertThat(attempts.get()).as("tried again, the same batch").isGreaterThanOrEqualTo(3);
        assertThat((Object) channel.readOutbound()).as("nothing acked that is not stored").isNull();
        assertThat(channel.isOpen()).as("the connection is kept, not closed and redialled").isTrue();
        assertThat(channel.config().isAutoRead()).as("and no longer read").isFalse();
        assertThat(heard).isEmpty();
        assertThat(sent).as("the accepted send is held, not failed").isNotDone();
        assertThat(barrier).isNotDone();

        full.set(false);
        node.step();
        node.runReceipts();
        node.runListener();
        channel.runPendingTasks();

        assertThat(stage.health().writable()).isTrue();
        assertThat(stage.health().reason()).isEmpty();
        assertThat(barrier).isCompleted();
        assertThat(memory.history(HistoryQuery.builder().direction(Direction.SENT).build())).hasSize(1);
        assertThat(memory.receivedWatermark(PEER, 7)).isEqualTo(2);
        List<PendingAck> acks = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            acks.add((PendingAck) o);
        }
        assertThat(acks).extracting(PendingAck::seq).containsExactly(1L, 2L);
        assertThat(acks).extracting(PendingAck::status).containsOnly(AckStatus.ACK_STATUS_STORED);
        assertThat(heard).extracting(Message::sequence).containsExactly(1L, 2L);
        assertThat(channel.config().isAutoRead()).as("read again").isTrue();
        assertThat(node.gate.backlog()).isZero();
    }

    @Test
    void closingWhileABatchIsHeldFailsItsSendsAndLetsItsMessagesGo() {
        memory.open(SELF);
        Session session = new Session(PEER, 7, channel, false, "");
        ReceiptFuture sent = new ReceiptFuture();
        assertThat(stage.reserveSend(0)).isNull();
        stage.submitSend(new OutboundMessage(sent(), sent, node.stream(PEER, channel.eventLoop())));
        stage.submitReceive(session, DeliveryFixture.received(PEER, SELF, 7, 1), 0, new HybridTimestamp(1, 0));
        full.set(true);
        node.step();
        assertThat(stage.health().writable()).isFalse();

        stage.close();
        stage.onClose();
        node.runReceipts();

        assertThat(sent).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(NodeClosedException.class);
        assertThat(node.gate.backlog()).isZero();
        assertThat(stage.reserveSend(0)).as("the held send no longer counts as queued").isNull();
        memory.open(SELF);
        assertThat(memory.receivedWatermark(PEER, 7)).as("nothing of the held batch stored").isZero();
    }

    private static Message sent() {
        return DeliveryFixture.sentMessage(SELF, PEER, 1);
    }
}
