package io.parley.messaging.demo.console;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.NodeId;
import java.util.Locale;
import java.util.Optional;

/** One line typed at the console (or read from a script), parsed. */
sealed interface ConsoleCommand {

    /** Rows {@code /history} shows when no {@code --limit} is given. */
    int DEFAULT_HISTORY_LIMIT = 20;

    /** What {@code /help} prints. */
    String HELP = String.join(System.lineSeparator(),
            "Commands:",
            "  /send PEER TEXT              send TEXT to PEER (also: @PEER TEXT)",
            "  /all TEXT                    send TEXT to every peer",
            "  /history [PEER] [--limit N]  the newest N stored messages (default " + DEFAULT_HISTORY_LIMIT + "), with PEER only if given",
            "  /peers                       every peer: state, round trip, clock offset",
            "  /use NODE                    make NODE the node that sends (local mode)",
            "  /help                        this list",
            "  /quit                        wait for pending receipts, then leave (also Ctrl-D)",
            "Lines starting with # are ignored.");

    /** {@code /send PEER TEXT} or {@code @PEER TEXT}. */
    record Send(NodeId peer, String text) implements ConsoleCommand {
    }

    /** {@code /all TEXT}. */
    record All(String text) implements ConsoleCommand {
    }

    /** {@code /history [PEER] [--limit N]}. */
    record History(Optional<NodeId> peer, int limit) implements ConsoleCommand {
    }

    /** {@code /peers}. */
    record Peers() implements ConsoleCommand {
    }

    /** {@code /use NODE}. */
    record Use(NodeId node) implements ConsoleCommand {
    }

    /** {@code /help}. */
    record Help() implements ConsoleCommand {
    }

    /** {@code /quit}. */
    record Quit() implements ConsoleCommand {
    }

    /** A blank line or a comment. */
    record Nothing() implements ConsoleCommand {
    }

    /**
     * Parses one line.
     *
     * @throws IllegalArgumentException with one sentence saying what is wrong and how to write it
     */
    static ConsoleCommand parse(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
            return new Nothing();
        }
        if (t.startsWith("@")) {
            String[] peerAndText = splitFirst(t.substring(1));
            if (peerAndText[0].isEmpty()) {
                throw new IllegalArgumentException("write @PEER TEXT, like @n2 hello");
            }
            return new Send(peer(peerAndText[0]), text(peerAndText[1], "@" + peerAndText[0] + " TEXT"));
        }
        if (!t.startsWith("/")) {
            return fail("'" + abbreviate(t) + "' is not a command; to send it, write @PEER " + abbreviate(t)
                    + " (type /help for every command)");
        }
        String[] commandAndRest = splitFirst(t.substring(1));
        String rest = commandAndRest[1];
        return switch (commandAndRest[0].toLowerCase(Locale.ROOT)) { // /USE n3, /Quit
            case "send", "s" -> {
                String[] peerAndText = splitFirst(rest);
                if (peerAndText[0].isEmpty()) {
                    yield fail("write /send PEER TEXT, like /send n2 hello");
                }
                yield new Send(peer(peerAndText[0]), text(peerAndText[1], "/send " + peerAndText[0] + " TEXT"));
            }
            case "all", "broadcast" -> new All(text(rest, "/all TEXT"));
            case "history", "h" -> history(rest);
            case "peers", "p" -> noArguments(new Peers(), "/peers", rest);
            case "use" -> {
                String[] nodeAndMore = splitFirst(rest);
                if (nodeAndMore[0].isEmpty() || !nodeAndMore[1].isEmpty()) {
                    yield fail("write /use NODE, like /use n2");
                }
                yield new Use(node(nodeAndMore[0]));
            }
            case "help", "?" -> new Help();
            case "quit", "exit", "q" -> noArguments(new Quit(), "/quit", rest);
            default -> fail("unknown command '/" + commandAndRest[0] + "'; type /help for the list");
        };
    }

    private static ConsoleCommand history(String rest) {
        Optional<NodeId> peer = Optional.empty();
        int limit = DEFAULT_HISTORY_LIMIT;
        String[] words = rest.isEmpty() ? new String[0] : rest.split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.equals("--limit") || w.equals("-n") || w.startsWith("--limit=")) {
                String value = w.startsWith("--limit=") ? w.substring("--limit=".length()) : i + 1 < words.length ? words[++i] : "";
                limit = limit(value);
            } else if (w.startsWith("-")) {
                return fail("unknown option '" + w + "'; write /history [PEER] [--limit N]");
            } else if (peer.isEmpty()) {
                peer = Optional.of(peer(w));
            } else {
                return fail("/history takes one peer, got '" + peer.get() + "' and '" + w + "'");
            }
        }
        return new History(peer, limit);
    }

    private static int limit(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= HistoryQuery.MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--limit takes a number from 1 to " + HistoryQuery.MAX_LIMIT
                + (value.isEmpty() ? "" : ", got '" + value + "'"));
    }

    private static NodeId peer(String id) {
        if (!NodeId.isValid(id)) {
            throw new IllegalArgumentException("'" + abbreviate(id) + "' is not a node id; ids are letters, digits, '.', '_' and '-'");
        }
        return new NodeId(id);
    }

    private static NodeId node(String id) {
        return peer(id);
    }

    private static String text(String text, String usage) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("nothing to send; write " + usage);
        }
        return text;
    }

    private static ConsoleCommand noArguments(ConsoleCommand command, String name, String rest) {
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException(name + " takes no arguments, got '" + abbreviate(rest) + "'");
        }
        return command;
    }

    private static ConsoleCommand fail(String message) {
        throw new IllegalArgumentException(message);
    }

    /** The first word and the rest, with the whitespace between them dropped. */
    private static String[] splitFirst(String s) {
        int i = 0;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return new String[] {s.substring(0, i), s.substring(i).strip()};
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 39) + "…";
    }
}
