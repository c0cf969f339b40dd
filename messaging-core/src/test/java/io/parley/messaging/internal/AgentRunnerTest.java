package io.parley.messaging.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentRunnerTest {

    /** An agent whose work is a queue of items, woken by its runner as an agent in a node is. */
    private static final class QueueAgent implements Agent {
        final ConcurrentLinkedQueue<Long> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger closes = new AtomicInteger();
        volatile long worstLatencyNanos;
        volatile long emptyLooks; // how often doWork found nothing: the runner then heads for its park
        AgentRunner runner;

        void submit() {
            queue.add(System.nanoTime());
            runner.wake();
        }

        @Override
        public int doWork() {
            int n = 0;
            for (Long at; (at = queue.poll()) != null; n++) {
                worstLatencyNanos = Math.max(worstLatencyNanos, System.nanoTime() - at);
            }
            if (n == 0) {
                emptyLooks++;
            }
            return n;
        }

        @Override
        public void onClose() {
            closes.incrementAndGet();
        }

        @Override
        public String roleName() {
            return "test agent";
        }
    }

    /**
     * Work handed in while the runner is on its way to park (after it found nothing, before it is seen idle) must
     * not wait for the 100 ms park to run out: a thousand hand-offs, each after the runner has gone idle, are each
     * taken up well within that.
     */
    @Test
    void workHandedInAsTheRunnerGoesIdleIsTakenUpAtOnce() throws Exception {
        QueueAgent agent = new QueueAgent();
        agent.runner = new AgentRunner(agent, Thread::new);
        agent.runner.start();
        try {
            for (int i = 0; i < 1000; i++) {
                agent.submit();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!agent.queue.isEmpty() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                if (i % 10 == 0) { // now and then, hand the next in only once the runner found nothing and goes idle
                    long looks = agent.emptyLooks;
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (agent.emptyLooks == looks && System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
            }
            assertThat(Duration.ofNanos(agent.worstLatencyNanos)).isLessThan(Duration.ofMillis(50));
        } finally {
            assertThat(agent.runner.close(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(agent.closes).hasValue(1);
    }

    @Test
    void closeDrainsWhatIsQueuedThenClosesOnce() {
        QueueAgent agent = new QueueAgent();
        agent.runner = new AgentRunner(agent, Thread::new);
        agent.runner.start();
        for (int i = 0; i < 100; i++) {
            agent.queue.add(System.nanoTime());
        }
        assertThat(agent.runner.close(Duration.ofSeconds(10))).isTrue();
        assertThat(agent.queue).isEmpty();
        assertThat(agent.closes).hasValue(1);
    }
}
