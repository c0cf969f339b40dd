package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The movable mailbox an outbound stream's state lives in. These tests are about threads, so they use real event
 * loops and submitting threads; they wait only on futures and latches with timeouts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HomeLoopTest {

    private final DefaultEventLoop first = new DefaultEventLoop();
    private final DefaultEventLoop second = new DefaultEventLoop();

    @AfterEach
    void shutDown() throws InterruptedException {
        first.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        second.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    @Test
    void tasksFromSeveralThreadsRunOneAtATimeOnTheLoopInEachSubmittersOrder() throws Exception {
        HomeLoop home = new HomeLoop(first);
        Thread loopThread = threadOf(first);
        int submitters = 4;
        int tasksEach = 3 * HomeLoop.TASKS_PER_DRAIN; // more than one drain's worth
        List<List<Integer>> ran = new ArrayList<>();
        for (int i = 0; i < submitters; i++) {
            ran.add(new ArrayList<>()); // written on the loop only, read after it is done
        }
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger offLoop = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < submitters; i++) {
            int submitter = i;
            Thread t = new Thread(() -> {
                awaitQuietly(start);
                for (int n = 0; n < tasksEach; n++) {
                    int index = n;
                    home.execute(() -> {
                        if (running.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        if (Thread.currentThread() != loopThread) {
                            offLoop.incrementAndGet();
                        }
                        ran.get(submitter).add(index);
                        running.decrementAndGet();
                    });
                }
            }, "submitter-" + i);
            threads.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as("%s finished submitting", t.getName()).isFalse();
        }
        done(home).get(30, TimeUnit.SECONDS);

        assertThat(overlaps).as("tasks that ran while another was running").hasValue(0);
        assertThat(offLoop).as("tasks that ran off the loop").hasValue(0);
        for (List<Integer> r : ran) {
            assertThat(r).hasSize(tasksEach).isSorted();
        }
    }

    @Test
    void afterAMoveTasksRunOnTheNewLoopOnlyAndStillInOrder() throws Exception {
        HomeLoop home = new HomeLoop(first);
        Thread secondThread = threadOf(second);
        CountDownLatch hold = new CountDownLatch(1);
        List<Integer> order = new ArrayList<>();
        List<Thread> threadsAfterMove = new ArrayList<>();

        home.execute(() -> awaitQuietly(hold)); // so that what follows queues up behind the move
        home.execute(() -> {
            order.add(0);
            home.moveTo(second);
        });
        for (int i = 1; i <= 100; i++) {
            int n = i;
            home.execute(() -> {
                order.add(n);
                threadsAfterMove.add(Thread.currentThread());
            });
        }
        hold.countDown();
        done(home).get(10, TimeUnit.SECONDS);
        for (int i = 101; i <= 110; i++) { // handed in after the move was done
            int n = i;
            home.execute(() -> {
                order.add(n);
                threadsAfterMove.add(Thread.currentThread());
            });
        }
        done(home).get(10, TimeUnit.SECONDS);

        assertThat(home.loop()).isSameAs(second);
        assertThat(order).hasSize(111).isSorted();
        assertThat(threadsAfterMove).as("none on the old loop").hasSize(110).containsOnly(secondThread);
    }

    @Test
    void aTaskHandedInOnTheCurrentLoopWithNothingQueuedRunsAtOnce() throws Exception {
        HomeLoop home = new HomeLoop(first);
        List<String> order = new ArrayList<>();

        first.submit(() -> {
            home.execute(() -> order.add("task"));
            order.add("after execute returned");
        }).get(10, TimeUnit.SECONDS);

        assertThat(order).containsExactly("task", "after execute returned");
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheOnesAfterIt() {
        EmbeddedChannel channel = new EmbeddedChannel(); // its loop runs the tasks inline
        try {
            HomeLoop home = new HomeLoop(channel.eventLoop());
            List<Integer> ran = new ArrayList<>();

            home.execute(() -> ran.add(1));
            home.execute(() -> {
                throw new IllegalStateException("a failing task (test)");
            });
            home.execute(() -> ran.add(3));

            assertThat(ran).containsExactly(1, 3);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aTaskThatThrowsOnARealLoopDoesNotStopTheOnesQueuedBehindIt() throws Exception {
        HomeLoop home = new HomeLoop(first);
        CountDownLatch hold = new CountDownLatch(1);
        List<Integer> ran = new ArrayList<>();

        home.execute(() -> awaitQuietly(hold));
        home.execute(() -> {
            throw new IllegalStateException("a failing task (test)");
        });
        home.execute(() -> ran.add(3));
        hold.countDown();
        done(home).get(10, TimeUnit.SECONDS);

        assertThat(ran).containsExactly(3);
    }

    /** A future that completes once every task handed to {@code home} before it has run. */
    private static CompletableFuture<Void> done(HomeLoop home) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        home.execute(() -> done.complete(null));
        return done;
    }

    private static Thread threadOf(EventLoop loop) throws Exception {
        return loop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
