package io.parley.messaging.demo.events;

import java.io.PrintStream;
import org.jline.reader.LineReader;

/** Where the demo's lines go: whole lines, from any thread, never interleaved within a line. */
public interface Out {

    /** Writes one line. */
    void line(String text);

    /** Lines to a stream, flushed one by one so a script reading them sees each at once. */
    static Out of(PrintStream stream) {
        return text -> {
            synchronized (stream) {
                stream.println(text);
                stream.flush();
            }
        };
    }

    /**
     * Lines printed above the prompt of a JLine reader, which is redrawn below them; once the terminal is closed (JLine
     * closes it in a shutdown hook of its own), lines go to {@code fallback}.
     */
    static Out above(LineReader reader, PrintStream fallback) {
        Out plain = of(fallback);
        return text -> {
            try {
                reader.printAbove(text);
            } catch (IllegalStateException closed) {
                plain.line(text);
            }
        };
    }
}
