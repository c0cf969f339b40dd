package io.parley.messaging.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link MessageStore} must do, run against each implementation by a subclass. The in-memory store
 * is the reference: a durable store passes the same cases, row for row and in the same order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class MessageStoreContractTest {

    static final NodeId SELF = NodeId.of("self");
    static final NodeId B = NodeId.of("b");
    static final NodeId C = NodeId.of("c");
    static final long B_INCARNATION = 77;

    /** Clock order as {@link InMemoryMessageStore} keeps it: the order every store's history must follow. */
    static final Comparator<Message> CLOCK_ORDER = Comparator.comparing(Message::hlc)
            .thenComparing(Message::id)
            .thenComparing(Message::direction)
            .thenComparing(Message::sender)
            .thenComparingLong(Message::senderIncarnation)
            .thenComparingLong(Message::sequence)
            .thenComparing(Message::recipient);

    private final List<MessageStore> made = new ArrayList<>();
    protected MessageStore store;
    private long nextId = 1;

    /** A new, empty store, not yet opened; each call makes another one. */
    protected abstract MessageStore newStore();

    /**
     * The store a node restarted on {@code closed} would get: the same instance for a store in memory, a new
     * instance on the same file for a durable one.
     */
    protected MessageStore afterRestart(MessageStore closed) {
        return closed;
    }

    MessageStore track(MessageStore s) {
        made.add(s);
        return s;
    }

    protected MessageStore anotherStore() {
        return track(newStore());
    }

    @BeforeEach
    void makeStore() {
        store = anotherStore();
    }

    @AfterEach
    void closeStores() {
        made.forEach(MessageStore::close);
    }

    private UUID nextId() {
        return new UUID(0x7000, nextId++);
    }

    Message sent(NodeId to, long seq, long senderMicros, HybridTimestamp hlc) {
        return new Message(nextId(), SELF, to, Direction.SENT, DeliveryStatus.PENDING, 5, seq, senderMicros,
                Message.UNKNOWN_TIME, hlc, ("to " + to + " #" + seq).getBytes(StandardCharsets.UTF_8));
    }

    Message sent(NodeId to, long seq, long senderMicros) {
        return sent(to, seq, senderMicros, new HybridTimestamp(senderMicros, 0));
    }

    Message received(NodeId from, long incarnation, long seq, long senderMicros, long receiverMicros) {
        return new Message(nextId(), from, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, incarnation, seq,
                senderMicros, receiverMicros, new HybridTimestamp(senderMicros, 0),
                ("from " + from + " #" + seq).getBytes(StandardCharsets.UTF_8));
    }

    static WriteBatch sending(Message... m) {
        return new WriteBatch(List.of(m), List.of(), List.of());
    }

    static WriteBatch receiving(Message... m) {
        return new WriteBatch(List.of(), List.of(m), List.of());
    }

    static WriteBatch delivering(DeliveryUpdate... d) {
        return new WriteBatch(List.of(), List.of(), List.of(d));
    }

    List<Message> all() {
        return all(store);
    }

    static List<Message> all(MessageStore s) {
        return s.history(HistoryQuery.builder().limit(HistoryQuery.MAX_LIMIT).build());
    }

    @Test
    void receivedMessagesSharingIdAndClockAreStoredAsSeparateRows() {
        store.open(SELF);
        UUID id = new UUID(1, 1);
        HybridTimestamp hlc = new HybridTimestamp(1_000, 0);
        Message first = new Message(id, B, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, B_INCARNATION, 1, 1_000,
                2_000, hlc, "first".getBytes(StandardCharsets.UTF_8));
        Message second = new Message(id, B, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, B_INCARNATION, 2, 1_000,
                2_001, hlc, "second".getBytes(StandardCharsets.UTF_8));
        Message copyFromC = new Message(id, C, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, 9, 1, 1_000,
                2_002, hlc, "spoof".getBytes(StandardCharsets.UTF_8));

        store.apply(receiving(first));
        store.apply(receiving(second, copyFromC));

        assertThat(all()).extracting(Message::sender, Message::sequence, Message::text)
                .containsExactlyInAnyOrder(
                        tuple(B, 1L, "first"),
                        tuple(B, 2L, "second"),
                        tuple(C, 1L, "spoof"));
    }

    @Test
    void openReturnsANonZeroIncarnationThatStaysTheSameForTheSameOwner() {
        long incarnation = store.open(SELF);

        assertThat(incarnation).isNotZero();
        assertThat(store.open(SELF)).isEqualTo(incarnation);
        assertThat(store.open(NodeId.of("self"))).isEqualTo(incarnation);
    }

    @Test
    void separateStoresHaveDifferentIncarnations() {
        assertThat(anotherStore().open(SELF)).isNotEqualTo(anotherStore().open(SELF));
    }

    @Test
    void openByASecondOwnerIsRefused() {
        store.open(SELF);

        assertThatThrownBy(() -> store.open(B))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("belongs to node self, not b");
    }

    @Test
    void sentAndReceivedMessagesAreStored() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        Message in = received(B, B_INCARNATION, 1, 90, 95);

        store.apply(sending(out));
        WriteResult result = store.apply(receiving(in));

        assertThat(result.received()).containsExactly(new WriteResult.ReceiveOutcome(false, 95));
        assertThat(all()).containsExactly(in, out);
    }

    @Test
    void sentMessageStoredTwiceIsRefused() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        store.apply(sending(out));

        assertThatThrownBy(() -> store.apply(sending(out)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("message 1 to " + B)
                .hasMessageContaining("already stored");
        assertThat(all()).containsExactly(out);
    }

    @Test
    void receivedMessageWithTheSameSenderIncarnationAndSequenceIsADuplicateKeepingTheFirstReceiverTime() {
        store.open(SELF);
        Message first = received(B, B_INCARNATION, 1, 90, 95);
        Message again = received(B, B_INCARNATION, 1, 90, 500);

        store.apply(receiving(first));
        WriteResult result = store.apply(receiving(again));

        assertThat(result.received()).containsExactly(new WriteResult.ReceiveOutcome(true, 95));
        assertThat(all()).containsExactly(first);
    }

    @Test
    void duplicateWithinOneBatchIsReportedInBatchOrder() {
        store.open(SELF);
        Message first = received(B, B_INCARNATION, 1, 90, 95);
        Message second = received(B, B_INCARNATION, 2, 91, 96);
        Message again = received(B, B_INCARNATION, 1, 90, 97);

        WriteResult result = store.apply(receiving(first, again, second));

        assertThat(result.received()).containsExactly(new WriteResult.ReceiveOutcome(false, 95),
                new WriteResult.ReceiveOutcome(true, 95), new WriteResult.ReceiveOutcome(false, 96));
        assertThat(all()).containsExactly(first, second);
    }

    @Test
    void sameSequenceFromAnotherIncarnationOrSenderIsNotADuplicate() {
        store.open(SELF);
        Message first = received(B, B_INCARNATION, 1, 90, 95);
        Message newIncarnation = received(B, B_INCARNATION + 1, 1, 91, 96);
        Message otherSender = received(C, B_INCARNATION, 1, 92, 97);

        WriteResult result = store.apply(receiving(first, newIncarnation, otherSender));

        assertThat(result.received()).extracting(WriteResult.ReceiveOutcome::duplicate).containsExactly(false, false, false);
        assertThat(all()).containsExactly(first, newIncarnation, otherSender);
    }

    @Test
    void deliveryMovesAPendingMessageToDeliveredWithTheReceiverTime() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        store.apply(sending(out));

        store.apply(delivering(new DeliveryUpdate(out.recipient(), out.sequence(), DeliveryStatus.DELIVERED, 150)));

        Message stored = all().get(0);
        assertThat(stored.id()).isEqualTo(out.id());
        assertThat(stored.status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(stored.receiverTimeMicros()).isEqualTo(150);
        assertThat(stored.text()).isEqualTo(out.text());
        assertThat(stored.hlc()).isEqualTo(out.hlc());
    }

    @Test
    void deliveryInTheSameBatchAsTheSendApplies() {
        store.open(SELF);
        Message out = sent(B, 1, 100);

        store.apply(new WriteBatch(List.of(out), List.of(),
                List.of(new DeliveryUpdate(out.recipient(), out.sequence(), DeliveryStatus.REJECTED, 120))));

        assertThat(all()).singleElement().extracting(Message::status).isEqualTo(DeliveryStatus.REJECTED);
    }

    @Test
    void laterDeliveryDoesNotChangeAFinalStatus() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        store.apply(sending(out));
        store.apply(delivering(new DeliveryUpdate(out.recipient(), out.sequence(), DeliveryStatus.DELIVERED, 150)));

        store.apply(delivering(new DeliveryUpdate(out.recipient(), out.sequence(), DeliveryStatus.REJECTED, 999)));

        Message stored = all().get(0);
        assertThat(stored.status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(stored.receiverTimeMicros()).isEqualTo(150);
    }

    @Test
    void deliveryOfAnUnknownMessageChangesNothing() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        store.apply(sending(out));

        store.apply(delivering(new DeliveryUpdate(B, 2, DeliveryStatus.DELIVERED, 1)));

        assertThat(all()).singleElement().extracting(Message::status).isEqualTo(DeliveryStatus.PENDING);
    }

    @Test
    void refusedBatchStoresNothingOfIt() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        Message in = received(B, B_INCARNATION, 1, 90, 95);

        assertThatThrownBy(() -> store.apply(new WriteBatch(List.of(out, out), List.of(in), List.of())))
                .isInstanceOf(StoreException.class);

        assertThat(all()).isEmpty();
        assertThat(store.receivedWatermark(B, B_INCARNATION)).isZero();
        assertThat(store.apply(receiving(in)).received()).containsExactly(new WriteResult.ReceiveOutcome(false, 95));
    }

    @Test
    void receivedWatermarkIsTheHighestSequenceStoredPerSenderIncarnation() {
        store.open(SELF);
        assertThat(store.receivedWatermark(B, B_INCARNATION)).isZero();

        store.apply(receiving(received(B, B_INCARNATION, 1, 1, 1), received(B, B_INCARNATION, 2, 2, 2),
                received(B, B_INCARNATION + 1, 7, 3, 3), received(C, B_INCARNATION, 4, 4, 4)));
        store.apply(receiving(received(B, B_INCARNATION, 1, 1, 1)));

        assertThat(store.receivedWatermark(B, B_INCARNATION)).isEqualTo(2);
        assertThat(store.receivedWatermark(B, B_INCARNATION + 1)).isEqualTo(7);
        assertThat(store.receivedWatermark(C, B_INCARNATION)).isEqualTo(4);
        assertThat(store.receivedWatermark(C, B_INCARNATION + 1)).isZero();
    }

    @Test
    void sentMessagesDoNotMoveTheReceivedWatermark() {
        store.open(SELF);
        store.apply(sending(sent(B, 3, 100)));

        assertThat(store.receivedWatermark(SELF, 5)).isZero();
    }

    private List<Message> storeMixedHistory() {
        store.open(SELF);
        Message s1 = sent(B, 1, 10);
        Message r1 = received(B, B_INCARNATION, 1, 20, 21);
        Message s2 = sent(C, 1, 30);
        Message r2 = received(C, B_INCARNATION, 1, 40, 41);
        Message s3 = sent(B, 2, 50);
        store.apply(new WriteBatch(List.of(s3, s1, s2), List.of(r2, r1), List.of()));
        store.apply(delivering(new DeliveryUpdate(s1.recipient(), s1.sequence(), DeliveryStatus.DELIVERED, 12)));
        return List.of(s1.withDelivery(DeliveryStatus.DELIVERED, 12), r1, s2, r2, s3);
    }

    @Test
    void historyIsOrderedByHybridClockOldestFirstByDefault() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.all())).containsExactlyElementsOf(m);
    }

    @Test
    void historyNewestFirstIsTheReverseOrder() {
        List<Message> m = new ArrayList<>(storeMixedHistory());
        Collections.reverse(m);

        assertThat(store.history(HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST).build()))
                .containsExactlyElementsOf(m);
    }

    @Test
    void historyOrdersByHybridClockNotBySenderTime() {
        store.open(SELF);
        Message laterClockEarlierTime = sent(B, 1, 10, new HybridTimestamp(500, 3));
        Message earlierClockLaterTime = sent(B, 2, 900, new HybridTimestamp(500, 1));
        store.apply(sending(laterClockEarlierTime, earlierClockLaterTime));

        assertThat(store.history(HistoryQuery.all())).containsExactly(earlierClockLaterTime, laterClockEarlierTime);
    }

    @Test
    void historyFiltersByPeer() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.builder().peer(B).build())).containsExactly(m.get(0), m.get(1), m.get(4));
        assertThat(store.history(HistoryQuery.builder().peer(C).build())).containsExactly(m.get(2), m.get(3));
    }

    @Test
    void historyFiltersByDirection() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()))
                .containsExactly(m.get(1), m.get(3));
        assertThat(store.history(HistoryQuery.builder().direction(Direction.SENT).build()))
                .containsExactly(m.get(0), m.get(2), m.get(4));
    }

    @Test
    void historyFiltersByStatus() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.builder().status(DeliveryStatus.DELIVERED).build())).containsExactly(m.get(0));
        assertThat(store.history(HistoryQuery.builder().status(DeliveryStatus.PENDING).build()))
                .containsExactly(m.get(2), m.get(4));
    }

    @Test
    void historyFiltersBySenderTimeRange() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.builder().senderTimeBetween(20, 50).build()))
                .containsExactly(m.get(1), m.get(2), m.get(3));
    }

    @Test
    void historyStopsAtTheLimit() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.builder().limit(2).build())).containsExactly(m.get(0), m.get(1));
    }

    @Test
    void pagingWithAfterReturnsEveryMessageExactlyOnceInBothOrders() {
        store.open(SELF);
        Random random = new Random(42);
        List<Message> stored = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            // few distinct clock readings, so that many messages tie on the clock and are ordered by id
            HybridTimestamp hlc = new HybridTimestamp(random.nextInt(20), random.nextInt(3));
            Message m = random.nextBoolean()
                    ? sent(B, i, i, hlc)
                    : new Message(UUID.randomUUID(), C, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, 9, i, i, i,
                            hlc, new byte[] {(byte) i});
            stored.add(m);
            store.apply(m.direction() == Direction.SENT ? sending(m) : receiving(m));
        }

        for (HistoryQuery.Order order : HistoryQuery.Order.values()) {
            List<Message> paged = new ArrayList<>();
            List<Message> page = store.history(HistoryQuery.builder().order(order).limit(7).build());
            int pages = 0;
            // bounded, so that a cursor that fails to advance fails the test instead of looping forever
            while (!page.isEmpty() && pages <= stored.size()) {
                assertThat(page).hasSizeLessThanOrEqualTo(7);
                paged.addAll(page);
                pages++;
                page = store.history(HistoryQuery.builder().order(order).limit(7).after(page.get(page.size() - 1)).build());
            }

            assertThat(pages).as(order.toString()).isEqualTo(36);
            assertThat(paged).as(order.toString()).containsExactlyInAnyOrderElementsOf(stored).doesNotHaveDuplicates();
            assertThat(paged).as(order.toString()).containsExactlyElementsOf(
                    store.history(HistoryQuery.builder().order(order).limit(HistoryQuery.MAX_LIMIT).build()));
        }
    }

    @Test
    void pagingKeepsFiltersAcrossPages() {
        List<Message> m = storeMixedHistory();
        HistoryQuery first = HistoryQuery.builder().peer(B).limit(2).build();

        List<Message> page1 = store.history(first);
        List<Message> page2 = store.history(HistoryQuery.builder().peer(B).limit(2).after(page1.get(1)).build());

        assertThat(page1).containsExactly(m.get(0), m.get(1));
        assertThat(page2).containsExactly(m.get(4));
    }

    @Test
    void closedStoreRefusesEveryOperation() {
        store.open(SELF);
        store.apply(receiving(received(B, B_INCARNATION, 1, 1, 1)));

        store.close();

        assertThatThrownBy(() -> store.apply(sending(sent(B, 1, 1)))).isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> store.history(HistoryQuery.all())).isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> store.receivedWatermark(B, B_INCARNATION)).isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> store.received(B, B_INCARNATION, 0, 10)).isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> store.pending(B, 0, 10)).isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> store.outboxes()).isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void storeOpenedAgainByItsOwnerKeepsItsContentsAndIncarnation() {
        long incarnation = store.open(SELF);
        Message in = received(B, B_INCARNATION, 1, 1, 1);
        store.apply(receiving(in));
        store.close();

        assertThat(store.open(SELF)).isEqualTo(incarnation);
        assertThat(all()).containsExactly(in);
        assertThatThrownBy(() -> { store.close(); store.open(B); }).isInstanceOf(StoreException.class)
                .hasMessageContaining("belongs to node " + SELF);
    }

    @Test
    void storeReopenedAfterARestartKeepsEveryRowAndItsIncarnation() {
        long incarnation = store.open(SELF);
        List<Message> before = storeMixedHistory();
        store.close();

        MessageStore restarted = track(afterRestart(store));

        assertThat(restarted.open(SELF)).isEqualTo(incarnation);
        assertThat(all(restarted)).containsExactlyElementsOf(before);
        assertThat(restarted.outboxes()).containsExactlyInAnyOrder(new Outbox(B, 2, 2, 1), new Outbox(C, 1, 1, 1));
        assertThat(restarted.receivedWatermark(C, B_INCARNATION)).isEqualTo(1);
    }

    @Test
    void everyFieldOfAMessageSurvivesStorage() {
        store.open(SELF);
        Message out = new Message(new UUID(0x8123_4567_89ab_cdefL, 0xfedc_ba98_7654_3210L), SELF, B, Direction.SENT,
                DeliveryStatus.PENDING, -5, 9_000_000_000L, -1_234, Message.UNKNOWN_TIME,
                new HybridTimestamp(Long.MAX_VALUE - 1, Integer.MAX_VALUE), 1_700_000_000_000_000L, new byte[0]);
        Message in = new Message(new UUID(-1, -1), C, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED,
                Long.MIN_VALUE, 1, Long.MIN_VALUE, Long.MAX_VALUE, HybridTimestamp.ZERO,
                new byte[] {0, -1, 127, -128, 0});

        store.apply(new WriteBatch(List.of(out), List.of(in), List.of()));

        assertThat(all()).containsExactly(in, out);
        assertThat(store.pending(B, 0, 10)).containsExactly(out);
        assertThat(store.received(C, Long.MIN_VALUE, 0, 10)).containsExactly(in);
    }

    @Test
    void historyOrderBreaksClockTiesByIdThenDirectionSenderIncarnationAndSequence() {
        store.open(SELF);
        Random random = new Random(7);
        UUID[] ids = {new UUID(-5, 3), new UUID(-5, -3), new UUID(4, 1), new UUID(4, Long.MIN_VALUE),
                new UUID(Long.MIN_VALUE, 0)};
        NodeId[] peers = {B, C, NodeId.of("B"), NodeId.of("b-2")};
        List<Message> stored = new ArrayList<>();
        long[] sentSeq = new long[peers.length];
        for (int i = 0; i < 400; i++) {
            HybridTimestamp hlc = new HybridTimestamp(random.nextInt(3) - 1, random.nextInt(2));
            UUID id = ids[random.nextInt(ids.length)];
            int p = random.nextInt(peers.length);
            byte[] payload = {(byte) i};
            Message m = random.nextBoolean()
                    ? new Message(id, SELF, peers[p], Direction.SENT, DeliveryStatus.PENDING, random.nextInt(3) - 1,
                            ++sentSeq[p], i, Message.UNKNOWN_TIME, hlc, payload)
                    : new Message(id, peers[p], SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, random.nextInt(3) - 1,
                            i, i, i, hlc, payload);
            stored.add(m);
        }
        store.apply(new WriteBatch(stored.stream().filter(m -> m.direction() == Direction.SENT).toList(),
                stored.stream().filter(m -> m.direction() == Direction.RECEIVED).toList(), List.of()));

        List<Message> expected = stored.stream().sorted(CLOCK_ORDER).toList();
        assertThat(all()).containsExactlyElementsOf(expected);
        List<Message> reversed = new ArrayList<>(expected);
        Collections.reverse(reversed);
        assertThat(store.history(HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST)
                .limit(HistoryQuery.MAX_LIMIT).build())).containsExactlyElementsOf(reversed);
        for (NodeId peer : peers) {
            assertThat(store.history(HistoryQuery.builder().peer(peer).limit(HistoryQuery.MAX_LIMIT).build()))
                    .as("peer %s", peer)
                    .containsExactlyElementsOf(expected.stream().filter(m -> m.peer().equals(peer)).toList());
        }
    }

    @Test
    void historyFiltersByReceiverTimeRangeLeavingOutUnknownReceiverTimes() {
        List<Message> m = storeMixedHistory();

        assertThat(store.history(HistoryQuery.builder().receiverTimeBetween(12, 41).build()))
                .containsExactly(m.get(0), m.get(1));
        assertThat(store.history(HistoryQuery.builder().receiverTimeBetween(0, 1_000).build()))
                .containsExactly(m.get(0), m.get(1), m.get(3));
        assertThat(store.history(HistoryQuery.builder().receiverTimeBetween(13, 21).build())).isEmpty();
        assertThat(store.history(HistoryQuery.builder().receiverTimeBetween(0, 1_000).direction(Direction.SENT)
                .order(HistoryQuery.Order.NEWEST_FIRST).build())).containsExactly(m.get(0));
    }

    @Test
    void historyCombinesFiltersWithPagingInBothOrders() {
        List<Message> m = storeMixedHistory();
        HistoryQuery.Builder newestSentToB = HistoryQuery.builder().peer(B).direction(Direction.SENT)
                .order(HistoryQuery.Order.NEWEST_FIRST).limit(1);

        List<Message> page1 = store.history(newestSentToB.build());
        List<Message> page2 = store.history(newestSentToB.after(page1.get(0)).build());
        List<Message> page3 = store.history(newestSentToB.after(page2.get(0)).build());

        assertThat(page1).containsExactly(m.get(4));
        assertThat(page2).containsExactly(m.get(0));
        assertThat(page3).isEmpty();
    }

    @Test
    void receivedReturnsOneStreamAfterASequenceInSequenceOrderUpToTheLimit() {
        store.open(SELF);
        List<Message> stream = new ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            stream.add(received(B, B_INCARNATION, seq, 100 - seq, 200 + seq));
        }
        store.apply(receiving(stream.get(3), stream.get(0), stream.get(4)));
        store.apply(receiving(stream.get(2), stream.get(1), received(B, B_INCARNATION + 1, 3, 1, 1),
                received(C, B_INCARNATION, 2, 1, 1)));
        store.apply(sending(sent(B, 4, 1)));

        assertThat(store.received(B, B_INCARNATION, 0, 100)).containsExactlyElementsOf(stream);
        assertThat(store.received(B, B_INCARNATION, 2, 2)).containsExactly(stream.get(2), stream.get(3));
        assertThat(store.received(B, B_INCARNATION, 5, 100)).isEmpty();
        assertThat(store.received(B, B_INCARNATION + 1, 0, 100)).extracting(Message::sequence).containsExactly(3L);
        assertThat(store.received(C, B_INCARNATION + 1, 0, 100)).isEmpty();
        assertThat(store.received(SELF, 5, 0, 100)).isEmpty();
    }

    @Test
    void outboxesTellTheLastSequenceAndThePendingRangeOfEveryPeerSentTo() {
        store.open(SELF);
        assertThat(store.outboxes()).isEmpty();
        store.apply(sending(sent(B, 1, 1), sent(B, 2, 2), sent(B, 3, 3), sent(C, 1, 4), sent(C, 2, 5)));
        store.apply(receiving(received(NodeId.of("d"), 9, 1, 1, 1)));

        assertThat(store.outboxes()).containsExactlyInAnyOrder(new Outbox(B, 3, 1, 3), new Outbox(C, 2, 1, 2));

        store.apply(delivering(new DeliveryUpdate(B, 1, DeliveryStatus.DELIVERED, 10),
                new DeliveryUpdate(B, 2, DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME),
                new DeliveryUpdate(C, 2, DeliveryStatus.REJECTED, 11)));
        assertThat(store.outboxes()).containsExactlyInAnyOrder(new Outbox(B, 3, 3, 1), new Outbox(C, 2, 1, 1));

        store.apply(delivering(new DeliveryUpdate(B, 3, DeliveryStatus.DELIVERED, 12)));
        assertThat(store.outboxes()).containsExactlyInAnyOrder(new Outbox(B, 3, 0, 0), new Outbox(C, 2, 1, 1));
    }

    @Test
    void pendingSkipsEndedMessagesAndComesInSequenceOrderUpToTheLimit() {
        store.open(SELF);
        List<Message> toB = new ArrayList<>();
        for (int seq = 1; seq <= 6; seq++) {
            toB.add(sent(B, seq, seq));
        }
        List<Message> shuffled = new ArrayList<>(toB);
        Collections.shuffle(shuffled, new Random(3));
        store.apply(new WriteBatch(shuffled, List.of(), List.of()));
        store.apply(sending(sent(C, 1, 1)));
        store.apply(delivering(new DeliveryUpdate(B, 2, DeliveryStatus.DELIVERED, 20),
                new DeliveryUpdate(B, 4, DeliveryStatus.REJECTED, 40),
                new DeliveryUpdate(B, 5, DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME)));

        assertThat(store.pending(B, 0, 10)).containsExactly(toB.get(0), toB.get(2), toB.get(5));
        assertThat(store.pending(B, 0, 2)).containsExactly(toB.get(0), toB.get(2));
        assertThat(store.pending(B, 1, 1)).containsExactly(toB.get(2));
        assertThat(store.pending(B, 3, 10)).containsExactly(toB.get(5));
        assertThat(store.pending(B, 6, 10)).isEmpty();
        assertThat(store.pending(NodeId.of("d"), 0, 10)).isEmpty();
    }

    @Test
    void expiryEndsAPendingMessageWithAnUnknownReceiverTimeForGood() {
        store.open(SELF);
        Message out = sent(B, 1, 100);
        store.apply(sending(out));

        store.apply(delivering(new DeliveryUpdate(B, 1, DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME)));
        store.apply(delivering(new DeliveryUpdate(B, 1, DeliveryStatus.DELIVERED, 150)));

        assertThat(all()).containsExactly(out.withDelivery(DeliveryStatus.EXPIRED, Message.UNKNOWN_TIME));
        assertThat(store.history(HistoryQuery.builder().status(DeliveryStatus.EXPIRED).build())).hasSize(1);
        assertThat(store.history(HistoryQuery.builder().receiverTimeBetween(0, 1_000).build())).isEmpty();
        assertThat(store.pending(B, 0, 10)).isEmpty();
    }

    @Test
    void deliveryIsMatchedByRecipientAndSequence() {
        store.open(SELF);
        Message toB = sent(B, 1, 100);
        Message toC = sent(C, 1, 101);
        store.apply(sending(toB, toC));

        store.apply(delivering(new DeliveryUpdate(C, 1, DeliveryStatus.DELIVERED, 150)));

        assertThat(all()).containsExactly(toB, toC.withDelivery(DeliveryStatus.DELIVERED, 150));
    }

    @Test
    void sentMessageWhoseSequenceIsTakenWithinTheBatchIsRefusedAndNothingIsStored() {
        store.open(SELF);
        Message first = sent(B, 1, 100);
        Message sameSequence = sent(B, 1, 101);

        assertThatThrownBy(() -> store.apply(new WriteBatch(List.of(first, sameSequence),
                List.of(received(B, B_INCARNATION, 1, 1, 1)), List.of())))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("message 1 to " + B);

        assertThat(all()).isEmpty();
        assertThat(store.outboxes()).isEmpty();
    }

    @Test
    void emptyBatchChangesNothing() {
        store.open(SELF);

        WriteResult result = store.apply(new WriteBatch(List.of(), List.of(), List.of()));

        assertThat(result.received()).isEmpty();
        assertThat(all()).isEmpty();
    }

    @Test
    void largeBatchesMixingNewAndRepeatedMessagesOfSeveralStreamsReportEachOne() {
        store.open(SELF);
        List<Message> first = new ArrayList<>();
        for (int seq = 1; seq <= 100; seq++) {
            first.add(received(B, B_INCARNATION, seq, seq, 1_000 + seq));
        }
        store.apply(new WriteBatch(List.of(), first, List.of()));
        List<Message> second = new ArrayList<>();
        for (int seq = 51; seq <= 150; seq++) {
            second.add(received(B, B_INCARNATION, seq, seq, 5_000 + seq));
            second.add(received(C, B_INCARNATION, seq, seq, 5_000 + seq));
        }
        List<Message> sentMany = new ArrayList<>();
        for (int seq = 1; seq <= 70; seq++) {
            sentMany.add(sent(B, seq, seq));
        }

        WriteResult result = store.apply(new WriteBatch(sentMany, second, List.of()));

        for (int i = 0; i < second.size(); i++) {
            Message m = second.get(i);
            boolean repeat = m.sender().equals(B) && m.sequence() <= 100;
            assertThat(result.received().get(i)).as("outcome of %s", m).isEqualTo(new WriteResult.ReceiveOutcome(repeat,
                    repeat ? 1_000 + m.sequence() : m.receiverTimeMicros()));
        }
        assertThat(store.receivedWatermark(B, B_INCARNATION)).isEqualTo(150);
        assertThat(store.received(C, B_INCARNATION, 0, 1_000)).extracting(Message::sequence)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(51, 150).boxed().toList());
        assertThat(store.pending(B, 0, 1_000)).containsExactlyElementsOf(sentMany);

        List<DeliveryUpdate> deliveries = new ArrayList<>();
        for (int seq = 1; seq <= 70; seq++) {
            deliveries.add(new DeliveryUpdate(B, seq, seq % 7 == 0 ? DeliveryStatus.EXPIRED : DeliveryStatus.DELIVERED,
                    seq % 7 == 0 ? Message.UNKNOWN_TIME : 9_000 + seq));
        }
        store.apply(new WriteBatch(List.of(), List.of(), deliveries));

        assertThat(store.pending(B, 0, 1_000)).isEmpty();
        assertThat(store.history(HistoryQuery.builder().direction(Direction.SENT).limit(1_000).build()))
                .allSatisfy(m -> assertThat(m.receiverTimeMicros()).isEqualTo(
                        m.sequence() % 7 == 0 ? Message.UNKNOWN_TIME : 9_000 + m.sequence()))
                .extracting(Message::status).containsOnly(DeliveryStatus.DELIVERED, DeliveryStatus.EXPIRED);
    }
}
