package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener executor that refuses work (shut down, saturated) must not leave received messages counted in the
 * {@link InboundGate} for ever: the connections it paused would never be read again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ListenerDispatcherTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final InboundGate gate = new InboundGate(SELF);
    private final List<Message> heard = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void messagesRefusedByAShutDownExecutorAreReleasedFromTheGateSoReadingResumes() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        executor.shutdown();
        ListenerDispatcher dispatcher = new ListenerDispatcher(SELF, heard::add, executor, gate);
        List<Message> batch = admitPastHighWater();
        assertThat(channel.config().isAutoRead()).as("paused past the high water mark").isFalse();

        dispatcher.deliver(batch);

        assertThat(gate.backlog()).as("messages still counted as waiting").isZero();
        assertThat(channel.config().isAutoRead()).as("reading resumed").isTrue();
        assertThat(heard).isEmpty();
    }

    @Test
    void afterTheExecutorRefusedOnceLaterMessagesStillReachTheListener() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        RefusingOnce refusingOnce = new RefusingOnce(executor);
        try {
            ListenerDispatcher dispatcher = new ListenerDispatcher(SELF, heard::add, refusingOnce, gate);
            Message first = message(1);
            Message second = message(2);
            gate.admitted(channel, first.sender(), first.payloadSize());
            gate.admitted(channel, second.sender(), second.payloadSize());

            dispatcher.deliver(List.of(first));
            dispatcher.deliver(List.of(second));

            await().atMost(Duration.ofSeconds(10)).until(() -> gate.backlog() == 0);
            assertThat(heard).containsExactly(second);
        } finally {
            executor.shutdownNow();
        }
    }

    private List<Message> admitPastHighWater() {
        List<Message> batch = new ArrayList<>();
        for (int seq = 1; seq <= InboundGate.HIGH_WATER_MESSAGES + 1; seq++) {
            Message m = message(seq);
            gate.admitted(channel, m.sender(), m.payloadSize());
            batch.add(m);
        }
        return batch;
    }

    private static Message message(long seq) {
        return new Message(UUID.randomUUID(), PEER, SELF, Direction.RECEIVED, DeliveryStatus.DELIVERED, 1, seq, seq, seq,
                new HybridTimestamp(seq, 0), new byte[1]);
    }

    /** Refuses the first task, as a saturated pool would, and runs the rest on {@code delegate}. */
    private static final class RefusingOnce implements java.util.concurrent.Executor {
        private final java.util.concurrent.Executor delegate;
        private boolean refused;

        RefusingOnce(java.util.concurrent.Executor delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized void execute(Runnable task) {
            if (!refused) {
                refused = true;
                throw new java.util.concurrent.RejectedExecutionException("saturated");
            }
            delegate.execute(task);
        }
    }
}
