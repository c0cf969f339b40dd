package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.parley.messaging.clock.HybridTimestamp;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HistoryQueryTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId C = NodeId.of("c");

    private static Message sentTo(NodeId peer, DeliveryStatus status, long senderMicros, HybridTimestamp hlc, UUID id) {
        return new Message(id, SELF, peer, Direction.SENT, status, 1, 1, senderMicros, Message.UNKNOWN_TIME, hlc,
                new byte[0]);
    }

    private static Message receivedFrom(NodeId peer, long senderMicros) {
        return new Message(UUID.randomUUID(), peer, SELF, Direction.RECEIVED, DeliveryStatus.RECEIVED, 1, 1,
                senderMicros, senderMicros, new HybridTimestamp(senderMicros, 0), new byte[0]);
    }

    private static Message sentTo(NodeId peer, long senderMicros) {
        return sentTo(peer, DeliveryStatus.PENDING, senderMicros, new HybridTimestamp(senderMicros, 0), UUID.randomUUID());
    }

    @Test
    void allIsUnfilteredOldestFirstWithDefaultLimit() {
        HistoryQuery q = HistoryQuery.all();

        assertThat(q.peer()).isEmpty();
        assertThat(q.direction()).isEmpty();
        assertThat(q.status()).isEmpty();
        assertThat(q.fromSenderMicros()).isEqualTo(Long.MIN_VALUE);
        assertThat(q.toSenderMicros()).isEqualTo(Long.MAX_VALUE);
        assertThat(q.order()).isEqualTo(HistoryQuery.Order.OLDEST_FIRST);
        assertThat(q.limit()).isEqualTo(HistoryQuery.DEFAULT_LIMIT).isEqualTo(100);
        assertThat(q.afterHlc()).isEmpty();
        assertThat(q.afterId()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, HistoryQuery.MAX_LIMIT + 1})
    void limitOutsideOneToMaxIsRefused(int limit) {
        assertThatIllegalArgumentException().isThrownBy(() -> HistoryQuery.builder().limit(limit))
                .withMessageContaining("limit must be between 1 and 100000, got " + limit);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, HistoryQuery.MAX_LIMIT})
    void limitAtEitherBoundIsAccepted(int limit) {
        assertThat(HistoryQuery.builder().limit(limit).build().limit()).isEqualTo(limit);
    }

    @Test
    void timeRangeEndingBeforeItStartsIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> HistoryQuery.builder().senderTimeBetween(10, 9))
                .withMessageContaining("time range start 10 is after its end 9");
    }

    @Test
    void matchesOnlyThePeerAsked() {
        HistoryQuery q = HistoryQuery.builder().peer("b").build();

        assertThat(q.matches(sentTo(B, 5))).isTrue();
        assertThat(q.matches(receivedFrom(B, 5))).isTrue();
        assertThat(q.matches(sentTo(C, 5))).isFalse();
        assertThat(q.matches(receivedFrom(C, 5))).isFalse();
    }

    @Test
    void matchesOnlyTheDirectionAsked() {
        HistoryQuery q = HistoryQuery.builder().direction(Direction.RECEIVED).build();

        assertThat(q.matches(receivedFrom(B, 5))).isTrue();
        assertThat(q.matches(sentTo(B, 5))).isFalse();
    }

    @Test
    void matchesOnlyTheStatusAsked() {
        HistoryQuery q = HistoryQuery.builder().status(DeliveryStatus.DELIVERED).build();
        Message pending = sentTo(B, 5);

        assertThat(q.matches(pending)).isFalse();
        assertThat(q.matches(pending.withDelivery(DeliveryStatus.DELIVERED, 6))).isTrue();
    }

    @Test
    void timeRangeIncludesItsStartAndExcludesItsEnd() {
        HistoryQuery q = HistoryQuery.builder().senderTimeBetween(10, 20).build();

        assertThat(q.matches(sentTo(B, 9))).isFalse();
        assertThat(q.matches(sentTo(B, 10))).isTrue();
        assertThat(q.matches(sentTo(B, 19))).isTrue();
        assertThat(q.matches(sentTo(B, 20))).isFalse();
    }

    @Test
    void emptyTimeRangeMatchesNothing() {
        HistoryQuery q = HistoryQuery.builder().senderTimeBetween(10, 10).build();

        assertThat(q.matches(sentTo(B, 10))).isFalse();
    }

    @Test
    void everyFilterMustPass() {
        HistoryQuery q = HistoryQuery.builder().peer(B).direction(Direction.SENT).status(DeliveryStatus.PENDING)
                .senderTimeBetween(0, 100).build();

        assertThat(q.matches(sentTo(B, 50))).isTrue();
        assertThat(q.matches(sentTo(C, 50))).isFalse();
        assertThat(q.matches(receivedFrom(B, 50))).isFalse();
        assertThat(q.matches(sentTo(B, 100))).isFalse();
        assertThat(q.matches(sentTo(B, 50).withDelivery(DeliveryStatus.DELIVERED, 60))).isFalse();
    }

    @Test
    void withoutCursorEveryMessageIsAfterIt() {
        assertThat(HistoryQuery.all().isAfterCursor(sentTo(B, 5))).isTrue();
    }

    @Test
    void oldestFirstCursorAdmitsOnlyLaterClockReadings() {
        UUID id = new UUID(0, 5);
        Message last = sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(100, 2), id);
        HistoryQuery q = HistoryQuery.builder().after(last).build();

        assertThat(q.afterHlc()).contains(new HybridTimestamp(100, 2));
        assertThat(q.afterId()).contains(id);
        assertThat(q.isAfterCursor(last)).isFalse();
        assertThat(q.isAfterCursor(sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(100, 1), new UUID(0, 9)))).isFalse();
        assertThat(q.isAfterCursor(sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(100, 3), new UUID(0, 1)))).isTrue();
        assertThat(q.isAfterCursor(sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(101, 0), new UUID(0, 1)))).isTrue();
    }

    @Test
    void cursorBreaksClockTiesByMessageId() {
        HybridTimestamp hlc = new HybridTimestamp(100, 2);
        Message last = sentTo(B, DeliveryStatus.PENDING, 0, hlc, new UUID(0, 5));
        HistoryQuery oldestFirst = HistoryQuery.builder().after(last).build();
        HistoryQuery newestFirst = HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST).after(last).build();
        Message smallerId = sentTo(B, DeliveryStatus.PENDING, 0, hlc, new UUID(0, 4));
        Message largerId = sentTo(B, DeliveryStatus.PENDING, 0, hlc, new UUID(0, 6));

        assertThat(oldestFirst.isAfterCursor(largerId)).isTrue();
        assertThat(oldestFirst.isAfterCursor(smallerId)).isFalse();
        assertThat(newestFirst.isAfterCursor(smallerId)).isTrue();
        assertThat(newestFirst.isAfterCursor(largerId)).isFalse();
    }

    @Test
    void newestFirstCursorAdmitsOnlyEarlierClockReadings() {
        Message last = sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(100, 2), new UUID(0, 5));
        HistoryQuery q = HistoryQuery.builder().order(HistoryQuery.Order.NEWEST_FIRST).after(last).build();

        assertThat(q.isAfterCursor(last)).isFalse();
        assertThat(q.isAfterCursor(sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(100, 1), new UUID(0, 9)))).isTrue();
        assertThat(q.isAfterCursor(sentTo(B, DeliveryStatus.PENDING, 0, new HybridTimestamp(100, 3), new UUID(0, 1)))).isFalse();
    }

    @Test
    void cursorDoesNotAffectFilters() {
        Message last = sentTo(B, 100);
        HistoryQuery q = HistoryQuery.builder().after(last).build();

        assertThat(q.matches(last)).isTrue();
    }
}
