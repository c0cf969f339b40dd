package io.parley.messaging.demo.events;

import io.parley.messaging.Message;
import io.parley.messaging.clock.WallClock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the demo writes clock readings: ISO-8601 in UTC to the microsecond for rows, local time to the millisecond on the console. */
final class Times {

    private static final DateTimeFormatter ISO_MICROS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LOCAL_MILLIS =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private Times() {
    }

    /** Epoch microseconds as {@code 2026-01-02T03:04:05.123456Z}, or null for {@link Message#UNKNOWN_TIME}. */
    static String isoMicros(long epochMicros) {
        return epochMicros == Message.UNKNOWN_TIME ? null : ISO_MICROS.format(WallClock.toInstant(epochMicros));
    }

    /** An instant as {@link #isoMicros(long)} does, or null for {@link Instant#EPOCH} (never). */
    static String isoMicros(Instant instant) {
        return instant.equals(Instant.EPOCH) ? null : ISO_MICROS.format(instant);
    }

    /** Epoch microseconds in this machine's time zone, {@code 10:15:02.123}. */
    static String localMillis(long epochMicros) {
        return LOCAL_MILLIS.format(WallClock.toInstant(epochMicros));
    }
}
