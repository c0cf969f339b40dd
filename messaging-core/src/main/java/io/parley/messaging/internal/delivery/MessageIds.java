package io.parley.messaging.internal.delivery;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Message ids: version 7 UUIDs (48 bits of milliseconds, then random bits), so ids made later sort later and
 * indexes on them stay compact. Random bits come from {@link ThreadLocalRandom}: ids must be unique, not secret.
 */
public final class MessageIds {

    private MessageIds() {
    }

    public static UUID next(long epochMillis) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
