package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node restarted on its store with its wall clock set back a minute (an operator's correction, a clock jump, a VM
 * restored) goes on stamping its messages after its last ones: its hybrid clock starts from its newest sent message,
 * not from the wall clock alone. The fault suite's clock jumps found this: the hybrid clock lived only in memory.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RestartClockTest {

    @Test
    void aNodeRestartedWithItsClockSetBackStampsItsNextMessagesAfterItsLastOnes() {
        MessageStore store = new InMemoryMessageStore();
        WallClock minuteBehind = WallClock.offset(WallClock.system(), Duration.ofMinutes(-1));
        // The peer is never there: the messages stay PENDING in the store, which is all this needs.
        try (Node before = node(store, WallClock.system())) {
            before.submit(NodeId.of("absent"), text("before"), null).stored().join();
        }
        try (Node after = node(store, minuteBehind)) {
            after.submit(NodeId.of("absent"), text("after"), null).stored().join();
            List<Message> sent = after.history(HistoryQuery.builder().direction(Direction.SENT).build());

            assertThat(sent).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8)).containsExactly("before", "after");
            assertThat(sent.get(1).senderTimeMicros()).as("the wall clock did go back")
                    .isLessThan(sent.get(0).senderTimeMicros());
            assertThat(sent.get(1).hlc()).as("the hybrid clock did not").isGreaterThan(sent.get(0).hlc());
            assertThat(sent.get(1).sequence()).isGreaterThan(sent.get(0).sequence());
        }
    }

    private static Node node(MessageStore store, WallClock clock) {
        return Node.builder().id("here").store(store).clock(clock).closeTimeout(Duration.ZERO)
                .peer("absent", "127.0.0.1", 1).build().start();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
