package io.parley.messaging.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.Limit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogLimiterTest {

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final LimitCounters counters = new LimitCounters();
    private final LogLimiter logs = new LogLimiter(counters, nanos::get);

    @Test
    void oneLineOfAKindPerIntervalTheRestCountedAndSaidByTheNext() {
        assertThat(logs.permit("refused")).isZero();
        assertThat(logs.permit("refused")).isEqualTo(-1);
        assertThat(logs.permit("refused")).isEqualTo(-1);
        assertThat(logs.permit("other")).as("kinds are counted apart").isZero();

        nanos.addAndGet(LogLimiter.INTERVAL_MILLIS * 1_000_000L);
        long skipped = logs.permit("refused");

        assertThat(skipped).isEqualTo(2);
        assertThat(LogLimiter.skipped(skipped)).isEqualTo(" (2 more like it not logged in the last 10 s)");
        assertThat(LogLimiter.skipped(0)).isEmpty();
        assertThat(counters.count(Limit.LOG_LINES)).isEqualTo(2);
    }
}
