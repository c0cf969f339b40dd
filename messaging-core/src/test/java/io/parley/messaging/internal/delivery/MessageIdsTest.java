package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    private static final long NOW_MILLIS = 1_764_072_000_000L;

    @Test
    void idsAreVersionSevenOfTheIetfVariant() {
        for (int i = 0; i < 1_000; i++) {
            UUID id = MessageIds.next(NOW_MILLIS + i);
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2);
        }
    }

    @Test
    void idsCarryTheirMillisecondsInTheTopFortyEightBits() {
        UUID id = MessageIds.next(NOW_MILLIS);

        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(NOW_MILLIS);
        assertThat(id.toString()).startsWith(String.format("%08x-%04x", NOW_MILLIS >>> 16, NOW_MILLIS & 0xFFFF));
    }

    @Test
    void idMadeAtALaterMillisecondSortsLater() {
        for (long t = NOW_MILLIS; t < NOW_MILLIS + 2_000; t++) {
            UUID earlier = MessageIds.next(t);
            UUID later = MessageIds.next(t + 1);
            assertThat(later).as("t=%d", t).isGreaterThan(earlier);
            assertThat(later.toString()).as("t=%d", t).isGreaterThan(earlier.toString());
        }
    }

    @Test
    void hundredThousandIdsInTheSameMillisecondAreUnique() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(MessageIds.next(NOW_MILLIS));
        }

        assertThat(ids).hasSize(100_000);
    }
}
