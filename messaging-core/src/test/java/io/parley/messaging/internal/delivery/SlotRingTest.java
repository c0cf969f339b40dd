package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SlotRingTest {

    @Test
    void startsEmptyAfterItsStart() {
        SlotRing<Object> ring = new SlotRing<>(41);

        assertThat(ring.floor()).isEqualTo(41);
        assertThat(ring.top()).isEqualTo(41);
        assertThat(ring.live()).isZero();
        assertThat(ring.get(42)).isNull();
    }

    @Test
    void floorMovesOverLeadingSettledSlotsOnly() {
        SlotRing<Object> ring = new SlotRing<>(0);
        for (int i = 1; i <= 5; i++) {
            ring.append("m" + i);
        }

        assertThat(ring.clear(2)).isEqualTo("m2");
        assertThat(ring.floor()).isZero();
        assertThat(ring.clear(1)).isEqualTo("m1");
        assertThat(ring.floor()).isEqualTo(2);
        assertThat(ring.clear(2)).as("settled already").isNull();
        assertThat(ring.get(3)).isEqualTo("m3");
        assertThat(ring.live()).isEqualTo(3);
    }

    @Test
    void replaceNeedsALiveSlot() {
        SlotRing<Object> ring = new SlotRing<>(0);
        ring.append("a");
        ring.append("b");
        ring.clear(2);

        ring.replace(1, "A");

        assertThat(ring.get(1)).isEqualTo("A");
        assertThatThrownBy(() -> ring.replace(2, "B")).isInstanceOf(IllegalStateException.class).hasMessageContaining("2");
        assertThatThrownBy(() -> ring.replace(3, "C")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void growsAndShrinksKeepingEverySlotAgainstAModel() {
        Random random = new Random(7);
        SlotRing<Object> ring = new SlotRing<>(1000);
        TreeMap<Long, Object> model = new TreeMap<>();
        for (int round = 0; round < 200_000; round++) {
            if (random.nextInt(100) < 55) {
                Object v = Long.valueOf(ring.top() + 1);
                ring.append(v);
                model.put(ring.top(), v);
            } else if (!model.isEmpty()) {
                // Mostly the oldest, as acks settle them; sometimes any, as expiry does.
                Long later = model.ceilingKey(model.firstKey() + random.nextInt(50));
                long seq = random.nextInt(4) > 0 || later == null ? model.firstKey() : later;
                assertThat(ring.clear(seq)).isEqualTo(model.remove(seq));
            }
            if (round % 997 == 0) {
                assertThat(ring.live()).isEqualTo(model.size());
                assertThat(ring.floor()).isEqualTo(model.isEmpty() ? ring.top() : model.firstKey() - 1);
                for (long s = ring.floor() + 1; s <= ring.top(); s++) {
                    assertThat(ring.get(s)).isEqualTo(model.get(s));
                }
            }
        }
    }
}
