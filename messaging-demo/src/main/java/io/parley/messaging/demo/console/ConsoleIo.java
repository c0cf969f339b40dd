package io.parley.messaging.demo.console;

import io.parley.messaging.demo.events.EventSink;
import io.parley.messaging.demo.events.JsonEvents;
import io.parley.messaging.demo.events.Out;
import io.parley.messaging.demo.events.TextEvents;
import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.NonBlockingReader;

/**
 * The console's input and output, chosen once: on a terminal, JLine (line editing, history kept in a file, events
 * printed above the prompt); otherwise commands read line by line from standard input and events written line by line
 * to standard output. {@code --json} writes events as UTF-8 JSON Lines whatever the locale, notices going to standard
 * error.
 */
public final class ConsoleIo implements AutoCloseable {

    private final EventSink sink;
    private final LineSource source;
    private final Terminal terminal;

    private ConsoleIo(EventSink sink, LineSource source, Terminal terminal) {
        this.sink = sink;
        this.source = source;
        this.terminal = terminal;
    }

    /**
     * @param json events as JSON Lines
     * @param readCommands false for {@code --headless}: nothing is read, standard input is left alone
     * @param historyFile where a terminal keeps the lines typed, across runs
     */
    public static ConsoleIo open(boolean json, boolean readCommands, Path historyFile) throws IOException {
        if (readCommands && stdinIsTerminal()) {
            Terminal terminal = TerminalBuilder.builder().system(true).build();
            // JLine takes SIGINT over, and by default a Ctrl-C outside readLine (during the wait for receipts) would
            // kill the process outright. Exit as the JVM does on SIGINT instead: the shutdown hook closes the nodes.
            terminal.handle(Terminal.Signal.INT, signal -> Runtime.getRuntime().exit(130));
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("parley")
                    .variable(LineReader.HISTORY_FILE, historyFile)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // "hi!" is text, not a history event
                    .option(LineReader.Option.HISTORY_IGNORE_SPACE, true)
                    .build();
            Out out = Out.above(reader, System.out);
            EventSink sink = json ? new JsonEvents(out, out)
                    : new TextEvents(out, StandardCharsets.UTF_8.equals(terminal.encoding()));
            return new ConsoleIo(sink, LineSource.of(reader), terminal);
        }
        LineSource source = readCommands ? LineSource.of(System.in) : null;
        if (json) {
            PrintStream utf8 = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            return new ConsoleIo(new JsonEvents(Out.of(utf8), Out.of(System.err)), source, null);
        }
        return new ConsoleIo(new TextEvents(Out.of(System.out), StandardCharsets.UTF_8.equals(Charset.defaultCharset())),
                source, null);
    }

    public EventSink sink() {
        return sink;
    }

    /** Where commands come from; null when none are read ({@code --headless}). */
    public LineSource source() {
        return source;
    }

    /**
     * While the program waits for receipts after the last command, a Ctrl-C typed at the terminal runs
     * {@code onCtrlC}: the terminal is put in a mode where Ctrl-C is a key this reads, not a signal, so the key is
     * heard whatever a signal would meet (a terminal library between two modes, a line discipline that is busy).
     * Nothing happens without a terminal; SIGINT from elsewhere still reaches the shutdown hook.
     *
     * @return what ends the watch and gives the terminal its mode back
     */
    public Watch watchCtrlC(Runnable onCtrlC) {
        if (terminal == null) {
            return () -> { };
        }
        Attributes before = terminal.getAttributes();
        Attributes keys = new Attributes(before);
        keys.setLocalFlag(Attributes.LocalFlag.ISIG, false);
        keys.setLocalFlag(Attributes.LocalFlag.ICANON, false);
        keys.setLocalFlag(Attributes.LocalFlag.ECHO, false);
        terminal.setAttributes(keys);
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            try {
                while (watching.get()) {
                    int key = terminal.reader().read(100);
                    if (key == CTRL_C && watching.get()) {
                        onCtrlC.run();
                        return;
                    }
                    if (key == NonBlockingReader.EOF) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the terminal closed: nothing more to hear
            }
        }, "parley-ctrl-c");
        watcher.setDaemon(true);
        watcher.start();
        return () -> {
            watching.set(false);
            terminal.setAttributes(before);
        };
    }

    private static final int CTRL_C = 3;

    /** A watch that {@link #close()} ends. */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /** Whether a person types the commands at a terminal. */
    public boolean interactive() {
        return terminal != null;
    }

    @Override
    public void close() throws IOException {
        if (terminal != null) {
            terminal.close();
        }
    }

    /**
     * Whether standard input (and output) is a terminal. Java 22 and later return a console even when redirected and
     * say with {@code isTerminal()} whether it is one; Java 17 returns none.
     */
    static boolean stdinIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
