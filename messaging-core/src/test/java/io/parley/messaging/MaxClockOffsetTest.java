package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.messaging.clock.WallClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer whose clock runs 10 s ahead: beyond the default maximum clock offset (500 ms) its readings do not advance
 * this node's hybrid clock, though its messages are stored as they came and counted; within a larger configured
 * offset they do, as a hybrid clock should.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MaxClockOffsetTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long AHEAD_MICROS = 10_000_000;

    @Test
    void aPeerTenSecondsAheadDoesNotDragThisNodesHybridClockButItsMessageIsStored() {
        try (Node here = Node.builder().id("here").build().start();
             Node ahead = aheadOf(here)) {
            Receipt fromAhead = ahead.send("here", text("from the future")).join();
            Message stored = here.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()).get(0);
            assertThat(stored.id()).isEqualTo(fromAhead.messageId());

            Receipt next = here.send(NodeId.of("ahead"), text("after it")).join();
            Message sentNext = here.history(HistoryQuery.builder().direction(Direction.SENT).build()).get(0);

            assertThat(sentNext.id()).isEqualTo(next.messageId());
            assertThat(sentNext.hlc().wallMicros()).as("this node's clock stayed on its own time")
                    .isLessThan(stored.hlc().wallMicros() - AHEAD_MICROS / 2);
            assertThat(here.ignoredClockReadings()).isPositive();
            assertThat(here.config().maxClockOffset()).isEqualTo(NodeBuilder.DEFAULT_MAX_CLOCK_OFFSET);
        }
    }

    @Test
    void withinAConfiguredMaximumOffsetThePeersClockIsFollowed() {
        try (Node here = Node.builder().id("here").maxClockOffset(Duration.ofSeconds(30)).build().start();
             Node ahead = aheadOf(here)) {
            ahead.send("here", text("from the future")).join();
            Message stored = here.history(HistoryQuery.builder().direction(Direction.RECEIVED).build()).get(0);

            here.send(NodeId.of("ahead"), text("after it")).join();
            Message sentNext = here.history(HistoryQuery.builder().direction(Direction.SENT).build()).get(0);

            assertThat(sentNext.hlc()).as("a hybrid clock orders it after what it received").isGreaterThan(stored.hlc());
            assertThat(here.ignoredClockReadings()).isZero();
        }
    }

    @Test
    void aMaximumOffsetMustBePositive() {
        assertThatThrownBy(() -> Node.builder().maxClockOffset(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxClockOffset");
    }

    private static Node aheadOf(Node here) {
        WallClock system = WallClock.system();
        WallClock tenSecondsAhead = () -> system.nowMicros() + AHEAD_MICROS;
        return Node.builder().id("ahead").clock(tenSecondsAhead).maxClockOffset(Duration.ofMinutes(1))
                .peer("here", "127.0.0.1", here.localAddress().getPort()).build().start();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
