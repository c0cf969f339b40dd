package io.parley.messaging.demo.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.UserInterruptException;

/** Where console commands come from: a JLine reader on a terminal, or standard input line by line for scripts. */
public interface LineSource {

    /** The next line, or null at the end of input (Ctrl-D, Ctrl-C, or the end of a script). */
    String read(String prompt) throws IOException;

    /** A terminal, with line editing and history; Ctrl-C ends input as Ctrl-D does. */
    static LineSource of(LineReader reader) {
        return prompt -> {
            try {
                return reader.readLine(prompt);
            } catch (EndOfFileException | UserInterruptException e) {
                return null;
            }
        };
    }

    /** A stream read line by line as UTF-8, with no prompt. */
    static LineSource of(InputStream in) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        return prompt -> lines.readLine();
    }
}
