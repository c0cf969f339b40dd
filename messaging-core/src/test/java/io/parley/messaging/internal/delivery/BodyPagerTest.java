package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.internal.LimitCounters;
import org.junit.jupiter.api.Test;

/** When a durable stream reads its bodies back from the store, and which it keeps. */
class BodyPagerTest {

    private static final int WINDOW = 16;

    private final BodyBudget budget = new BodyBudget(1000, new LimitCounters());
    private final BodyPager pager = new BodyPager(WINDOW, 16 * WINDOW, budget, false);

    @Test
    void aBodyThatDidNotFitIsNotReadAgainUntilTheBudgetHasRoomForIt() {
        assertThat(pager.shouldLoad(0, 0, 10)).isTrue();
        assertThat(pager.admitLoaded(400)).isTrue(); // held: 400 (always one)
        budget.take(500); // another stream's bodies: 900 held of 1000
        assertThat(pager.admitLoaded(300)).as("300 more do not fit").isFalse();
        pager.loadedUpTo(1);

        assertThat(pager.shouldLoad(1, 0, 10)).as("room 100, the body needs 300: reading again would keep nothing")
                .isFalse();

        budget.give(250); // room 350
        assertThat(pager.shouldLoad(1, 0, 10)).isTrue();
    }

    @Test
    void aPagerHoldingNoBodyAlwaysReadsSoNoStreamStalls() {
        budget.take(1000);

        assertThat(pager.shouldLoad(0, 0, 10)).isTrue();
        assertThat(pager.admitLoaded(300)).as("the first body is kept whatever the budget says").isTrue();
    }
}
