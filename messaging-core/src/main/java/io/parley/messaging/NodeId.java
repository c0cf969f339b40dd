package io.parley.messaging;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identity of a node in a cluster: 1 to 64 characters, each a letter, a digit, {@code .}, {@code _} or
 * {@code -}. Ids are compared exactly (case matters); the smaller id in {@link #compareTo} order wins the
 * tie-break when two nodes dial each other at once.
 *
 * @param value the id as text
 */
public record NodeId(String value) implements Comparable<NodeId> {

    /** Longest id accepted, in characters. */
    public static final int MAX_LENGTH = 64;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_LENGTH + "}");

    /**
     * Validates and wraps an id.
     *
     * @throws IllegalArgumentException if the id is empty, longer than 64 characters or holds a character
     *     other than letters, digits, {@code .}, {@code _} and {@code -}
     */
    public NodeId {
        Objects.requireNonNull(value, "node id");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException(describeProblem(value));
        }
    }

    /** Shorthand for {@code new NodeId(value)}. */
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    /** Whether {@code value} would be accepted as a node id. */
    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    private static String describeProblem(String value) {
        if (value.isEmpty()) {
            return "node id must not be empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "node id must be at most " + MAX_LENGTH + " characters, got " + value.length();
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '.' && c != '_' && c != '-') {
                return "node id '" + printable(value) + "' has an invalid character at position " + i
                        + "; use letters, digits, '.', '_' and '-'";
            }
        }
        return "invalid node id '" + printable(value) + "'";
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(80).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    @Override
    public int compareTo(NodeId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
