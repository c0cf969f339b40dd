package io.parley.messaging.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final HybridLogicalClock hlc = new HybridLogicalClock(now::get);

    @Test
    void tickFollowsTheWallClockWithCounterZero() {
        assertThat(hlc.tick()).isEqualTo(new HybridTimestamp(1_000_000, 0));
        now.set(1_000_500);
        assertThat(hlc.tick()).isEqualTo(new HybridTimestamp(1_000_500, 0));
    }

    @Test
    void restoreMovesTheClockToAnEarlierOwnReadingAheadOfTheWallClockButNeverBack() {
        hlc.restore(new HybridTimestamp(61_000_000, 3)); // made before a restart, with the wall clock a minute ahead
        assertThat(hlc.tick()).isEqualTo(new HybridTimestamp(61_000_000, 4));
        hlc.restore(new HybridTimestamp(2_000_000, 0));
        assertThat(hlc.tick()).as("an older reading changes nothing").isEqualTo(new HybridTimestamp(61_000_000, 5));
    }

    @Test
    void tickIncreasesStrictlyWhileTheWallClockStandsStill() {
        HybridTimestamp first = hlc.tick();
        HybridTimestamp second = hlc.tick();
        HybridTimestamp third = hlc.tick();

        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
        assertThat(third).isEqualTo(new HybridTimestamp(1_000_000, 2));
    }

    @Test
    void tickIncreasesStrictlyWhenTheWallClockGoesBackwards() {
        HybridTimestamp before = hlc.tick();
        now.set(500_000);

        HybridTimestamp after = hlc.tick();

        assertThat(after).isGreaterThan(before);
        assertThat(after.wallMicros()).isEqualTo(1_000_000);
    }

    @Test
    void counterResetsWhenPhysicalTimeAdvances() {
        hlc.tick();
        hlc.tick();
        assertThat(hlc.tick().logical()).isEqualTo(2);

        now.incrementAndGet();

        assertThat(hlc.tick()).isEqualTo(new HybridTimestamp(1_000_001, 0));
    }

    @Test
    void receivingAReadingAheadOfTheLocalClockGivesALargerReading() {
        hlc.tick();
        HybridTimestamp remote = new HybridTimestamp(5_000_000, 7);

        HybridTimestamp received = hlc.receive(remote);

        assertThat(received).isGreaterThan(remote).isEqualTo(new HybridTimestamp(5_000_000, 8));
    }

    @Test
    void ticksAfterReceivingAReadingAheadStayAboveIt() {
        HybridTimestamp remote = new HybridTimestamp(5_000_000, 7);
        hlc.receive(remote);

        HybridTimestamp previous = remote;
        for (int i = 0; i < 10; i++) {
            HybridTimestamp t = hlc.tick();
            assertThat(t).isGreaterThan(previous).isGreaterThan(remote);
            previous = t;
        }
        assertThat(previous.wallMicros()).isEqualTo(5_000_000);

        now.set(6_000_000);
        assertThat(hlc.tick()).isEqualTo(new HybridTimestamp(6_000_000, 0));
    }

    @Test
    void receivingAReadingBehindTheLocalClockFollowsTheLocalClock() {
        now.set(2_000_000);

        HybridTimestamp received = hlc.receive(new HybridTimestamp(1_000_000, 50));

        assertThat(received).isEqualTo(new HybridTimestamp(2_000_000, 0));
    }

    @Test
    void receivingAReadingWithTheSameWallTakesTheLargerCounterPlusOne() {
        hlc.tick();
        hlc.tick();

        assertThat(hlc.receive(new HybridTimestamp(1_000_000, 9))).isEqualTo(new HybridTimestamp(1_000_000, 10));
        assertThat(hlc.receive(new HybridTimestamp(1_000_000, 3))).isEqualTo(new HybridTimestamp(1_000_000, 11));
    }

    @Test
    void currentReadsWithoutAdvancing() {
        HybridTimestamp t = hlc.tick();

        assertThat(hlc.current()).isEqualTo(t);
        assertThat(hlc.current()).isEqualTo(t);
    }

    @Test
    void counterOverflowMovesThePhysicalComponentOn() {
        HybridTimestamp received = hlc.receive(new HybridTimestamp(1_000_000, Integer.MAX_VALUE));

        assertThat(received).isEqualTo(new HybridTimestamp(1_000_001, 0));
        assertThat(hlc.tick()).isGreaterThan(received);
    }

    @Test
    void readingsIncreaseStrictlyOverRandomInterleavingsOfTicksReceivesAndClockJumps() {
        Random random = new Random(20_261_125L);
        HybridTimestamp previous = hlc.current();
        HybridTimestamp largestReceived = HybridTimestamp.ZERO;
        for (int step = 0; step < 5_000; step++) {
            switch (random.nextInt(4)) {
                case 0 -> now.addAndGet(random.nextInt(1_000));
                case 1 -> now.addAndGet(-random.nextInt(1_000));
                default -> {
                }
            }
            HybridTimestamp t;
            if (random.nextBoolean()) {
                t = hlc.tick();
            } else {
                HybridTimestamp remote = new HybridTimestamp(now.get() + random.nextInt(4_001) - 2_000,
                        random.nextInt(20));
                t = hlc.receive(remote);
                assertThat(t).as("step %d: receive(%s)", step, remote).isGreaterThan(remote);
                largestReceived = remote.compareTo(largestReceived) > 0 ? remote : largestReceived;
            }
            assertThat(t).as("step %d", step).isGreaterThan(previous).isGreaterThan(largestReceived);
            assertThat(t.wallMicros()).as("step %d", step).isGreaterThanOrEqualTo(now.get());
            assertThat(hlc.current()).isEqualTo(t);
            previous = t;
        }
    }

    @Test
    void remoteReadingBeyondTheMaximumForwardJumpIsNotFollowed() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000);
        HybridLogicalClock hlc = new HybridLogicalClock(now::get, java.time.Duration.ofSeconds(10));

        HybridTimestamp followed = hlc.receive(new HybridTimestamp(1_000_000 + 10_000_000, 3));
        assertThat(followed).isEqualTo(new HybridTimestamp(11_000_000, 4));

        HybridTimestamp ignored = hlc.receive(new HybridTimestamp(Long.MAX_VALUE, 0));
        assertThat(ignored.wallMicros()).isEqualTo(11_000_000);
        assertThat(ignored).isGreaterThan(followed);
        assertThat(hlc.tick()).isGreaterThan(ignored);
        assertThat(hlc.ignoredReadings()).as("counted").isEqualTo(1);
    }
}
