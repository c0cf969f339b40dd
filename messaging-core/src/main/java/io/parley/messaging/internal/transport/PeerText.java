package io.parley.messaging.internal.transport;

/**
 * Text a peer chose (cluster names, node ids, Error and Goodbye reasons, gossiped addresses), made safe for one
 * log line or an echo: at most {@value #MAX_CHARS} characters, control characters and quotes escaped, the rest
 * counted. Stateless.
 */
public final class PeerText {

    /** Most characters of a peer's text that reach a log line or an Error frame. */
    public static final int MAX_CHARS = 120;

    private PeerText() {
    }

    /**
     * {@code s} in double quotes, at most {@value #MAX_CHARS} of its characters, with line breaks, other control
     * characters, quotes and backslashes escaped, and {@code …(+N chars)} for what was cut; {@code "null"} unquoted
     * for null.
     */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        int shown = shown(s);
        StringBuilder b = new StringBuilder(shown + 24).append('"');
        escape(s, shown, b, true);
        b.append('"');
        return suffix(s, shown, b);
    }

    /**
     * {@code s} as {@link #quote} makes it, without the quotes (and with quotes and backslashes left as they are):
     * for a reason shown after a colon.
     */
    public static String clean(String s) {
        if (s == null) {
            return "null";
        }
        int shown = shown(s);
        StringBuilder b = new StringBuilder(shown + 24);
        escape(s, shown, b, false);
        return suffix(s, shown, b);
    }

    private static int shown(String s) {
        int shown = Math.min(s.length(), MAX_CHARS);
        if (shown < s.length() && Character.isHighSurrogate(s.charAt(shown - 1))) {
            shown--; // never half a character
        }
        return shown;
    }

    private static void escape(String s, int shown, StringBuilder b, boolean quotes) {
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (!quotes && (c == '"' || c == '\\')) {
                b.append(c);
                continue;
            }
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }

    private static String suffix(String s, int shown, StringBuilder b) {
        if (shown < s.length()) {
            b.append("…(+").append(s.length() - shown).append(" chars)");
        }
        return b.toString();
    }
}
