package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.parley.messaging.Limits;
import io.parley.messaging.NodeId;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.WriteBatch;
import io.parley.messaging.store.WriteResult;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store belongs to the store thread: closing delivery while that thread is still in a commit does not close the
 * store under it; the thread closes it itself once the commit is done. (Before, {@code Node.close} waited 30 s for
 * the thread and then closed the store whatever it was doing.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeliveryCloseTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    @Test
    void aStoreIsNeverClosedUnderACommitThatIsStillRunning() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean committing = new AtomicBoolean();
        AtomicBoolean closedDuringCommit = new AtomicBoolean();
        AtomicInteger closes = new AtomicInteger();
        InMemoryMessageStore memory = new InMemoryMessageStore();
        ForwardingMessageStore store = new ForwardingMessageStore(memory) {
            @Override
            public WriteResult apply(WriteBatch batch) {
                committing.set(true);
                inCommit.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    return super.apply(batch);
                } finally {
                    committing.set(false);
                }
            }

            @Override
            public void close() {
                closedDuringCommit.compareAndSet(false, committing.get());
                closes.incrementAndGet();
                super.close();
            }
        };
        memory.open(SELF);
        DefaultEventLoop loop = new DefaultEventLoop();
        Delivery delivery = new Delivery(new Delivery.Settings(SELF, store, new HybridLogicalClock(WallClock.system()),
                WallClock.system(), Runnable::run, null, Runnable::run, Thread::new, 16, 100, 100,
                Limits.DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER, Limits.DEFAULT_MAX_BODY_BYTES_IN_MEMORY, new LimitCounters()));
        try {
            delivery.start();
            ReceiptFuture sent = delivery.streamTo(PEER, loop).send(3, seq -> DeliveryFixture.sentMessage(SELF, PEER, seq));
            assertThat(inCommit.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(delivery.closeStore(Duration.ofMillis(200))).as("the store thread is still committing").isFalse();
            assertThat(closes).as("not closed under the commit").hasValue(0);

            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == 1);
            assertThat(closedDuringCommit).isFalse();
            assertThat(sent).isNotCompletedExceptionally();
        } finally {
            release.countDown();
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
