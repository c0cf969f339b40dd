package io.parley.messaging.demo.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people write them on a command line: {@code 250ms}, {@code 5s}, {@code -3s}, {@code 1.5s},
 * {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT5S}). A bare number is refused: its unit would be a guess.
 */
final class Durations implements ITypeConverter<Duration> {

    private static final Pattern SIMPLE = Pattern.compile("([+-]?\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with one sentence saying how to write a duration
     */
    static Duration parse(String text) {
        String t = text.trim();
        Matcher m = SIMPLE.matcher(t.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            BigDecimal amount = new BigDecimal(m.group(1));
            long nanosPerUnit = switch (m.group(2)) {
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            try {
                return Duration.ofNanos(amount.multiply(BigDecimal.valueOf(nanosPerUnit)).longValueExact());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("'" + text + "' is too long a duration (or not a whole number of nanoseconds)");
            }
        }
        if (t.toUpperCase(Locale.ROOT).startsWith("PT") || t.toUpperCase(Locale.ROOT).startsWith("-PT")) {
            try {
                return Duration.parse(t);
            } catch (DateTimeParseException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration; write it like 250ms, 5s, -3s, 2m or 1h");
    }

    /** {@code d} the way {@link #parse} reads it, in the largest unit that shows it exactly. */
    static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return nanos / 1_000L + "us";
    }
}
