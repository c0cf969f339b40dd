package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The demo jar running as a process of its own, as a person or a script runs it: {@code java -jar
 * target/messaging-demo.jar ARGS}. Its standard output and error are read as they come, line by line, by threads of
 * their own (a child whose pipe fills up would block), and tests wait for lines with a deadline, never a sleep.
 */
final class JarProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "messaging-demo.jar").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final List<Thread> pumps = new ArrayList<>();
    private volatile Predicate<String> keep = line -> true;

    private JarProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), out, name + "-out");
        pump(process.getErrorStream(), err, name + "-err");
    }

    /** Starts {@code java -jar messaging-demo.jar args} in {@code dir}. */
    static JarProcess start(String name, Path dir, String... args) {
        return start(name, dir, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), args);
    }

    /** Starts {@code java JVM-OPTIONS -jar messaging-demo.jar args} in {@code dir}. */
    static JarProcess start(String name, Path dir, List<String> jvmOptions, String... args) {
        assertThat(JAR).as("the shaded jar, made at package before integration-test").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        try {
            return new JarProcess(name, new ProcessBuilder(command).directory(dir.toFile()).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where util-linux's {@code script} is, which runs a command on a pseudo-terminal of its own. */
    static final Path SCRIPT = Path.of("/usr/bin/script");

    /**
     * Starts the jar on a pseudo-terminal of 120 columns (through {@code script}), as a person at a terminal runs it:
     * what is written is typed, what is read is the screen's output. Arguments must need no shell quoting.
     */
    static JarProcess onTerminal(String name, Path dir, String... args) {
        assertThat(JAR).as("the shaded jar, made at package before integration-test").exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "stty cols 120 rows 40; exec " + java + " -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "
                + JAR + " " + String.join(" ", args);
        ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), "-qfec", command, "/dev/null").directory(dir.toFile());
        pb.environment().put("TERM", "xterm");
        pb.environment().put("LANG", "C.UTF-8");
        try {
            return new JarProcess(name, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Keeps from now on only the output lines {@code keep} accepts: for a process that prints more than a test can
     * hold (an event per message received), where the test needs only some of them.
     */
    JarProcess keepOnly(Predicate<String> keep) {
        this.keep = keep;
        return this;
    }

    /** The process's id. */
    long pid() {
        return process.pid();
    }

    /** Whether the process is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** Types {@code keys} as they are, with no line end. */
    void type(String keys) {
        try {
            stdin.write(keys);
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": could not write to its standard input", e);
        }
    }

    /** Runs the jar to its end with no input; returns it finished. */
    static JarProcess run(Path dir, Duration timeout, String... args) {
        JarProcess p = start("run", dir, args);
        p.closeInput();
        p.awaitExit(timeout);
        return p;
    }

    private void pump(InputStream stream, List<String> lines, String thread) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!keep.test(line)) {
                        continue;
                    }
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, thread);
        t.setDaemon(true);
        t.start();
        pumps.add(t);
    }

    /** Writes lines to standard input and flushes them. */
    void write(Stream<String> lines) {
        try {
            for (String line : (Iterable<String>) lines::iterator) {
                stdin.write(line);
                stdin.write('\n');
            }
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": could not write to its standard input", e);
        }
    }

    void write(String... lines) {
        write(Stream.of(lines));
    }

    /** Ends standard input: what a script reaching its end does. */
    void closeInput() {
        try {
            stdin.close();
        } catch (IOException e) {
            // the process ended already
        }
    }

    /** Standard output so far. */
    List<String> out() {
        synchronized (out) {
            return List.copyOf(out);
        }
    }

    /** Standard error so far. */
    List<String> err() {
        synchronized (err) {
            return List.copyOf(err);
        }
    }

    /** Standard output so far, each line that is a JSON object parsed. */
    List<JsonNode> events() {
        List<JsonNode> events = new ArrayList<>();
        for (String line : out()) {
            if (line.startsWith("{")) {
                events.add(parse(line));
            }
        }
        return events;
    }

    /** Events so far of this kind. */
    List<JsonNode> events(String kind) {
        return events().stream().filter(e -> kind.equals(e.path("event").asText())).toList();
    }

    /** {@code text} as a JSON string literal. */
    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    /** Waits until standard output has a line that matches; returns the first such line. */
    String awaitOut(Predicate<String> match, Duration timeout) {
        return await(out, match, timeout, "standard output");
    }

    /** Waits for the first JSON event that matches. */
    JsonNode awaitEvent(Predicate<JsonNode> match, Duration timeout) {
        return parse(awaitOut(l -> l.startsWith("{") && match.test(parse(l)), timeout));
    }

    /** Waits until at least {@code count} events of {@code kind} were printed. */
    void awaitEvents(String kind, int count, Duration timeout) {
        String marker = "{\"event\":\"" + kind + "\"";
        awaitOut(l -> l.startsWith(marker), count, timeout);
    }

    /** Waits until at least {@code count} lines of standard output match. */
    void awaitOut(Predicate<String> match, int count, Duration timeout) {
        int[] seen = {0};
        int[] checked = {0};
        // Tests each line once, however often the wait wakes up.
        awaitFound(out, lines -> {
            for (; checked[0] < lines.size(); checked[0]++) {
                if (match.test(lines.get(checked[0]))) {
                    seen[0]++;
                }
            }
            return seen[0] >= count ? "" : null;
        }, timeout, count + " matching lines");
    }

    private String await(List<String> lines, Predicate<String> match, Duration timeout, String what) {
        int[] checked = {0};
        return awaitFound(lines, all -> {
            for (; checked[0] < all.size(); checked[0]++) {
                if (match.test(all.get(checked[0]))) {
                    return all.get(checked[0]);
                }
            }
            return null;
        }, timeout, "a matching line on " + what);
    }

    /** Waits until {@code found} returns a line (not null) from the lines so far; it runs holding the lines' lock. */
    private String awaitFound(List<String> lines, Function<List<String>, String> found, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                String line = found.apply(lines);
                if (line != null) {
                    return line;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + ": no " + what + " within " + timeout
                            + "\n--- out (last 30):\n" + tail(out()) + "\n--- err (last 30):\n" + tail(err()));
                }
                try {
                    lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Waits for the process to end; returns its exit code. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                String threads = threadDumps();
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(name + " did not exit within " + timeout + "\n--- out:\n" + tail(out())
                        + "\n--- err:\n" + tail(err()) + "\n--- threads:\n" + threads);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        // The pumps may still be reading the last lines: the streams end with the process, and so do they.
        for (Thread pump : pumps) {
            try {
                pump.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return process.exitValue();
    }

    /** The threads of every JVM of this process (itself, or under the terminal's script), for a failure message. */
    private String threadDumps() {
        StringBuilder out = new StringBuilder();
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        Stream.concat(Stream.of(process.toHandle()), process.descendants())
                .filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false))
                .forEach(h -> {
                    try {
                        Process p = new ProcessBuilder(jstack.toString(), String.valueOf(h.pid())).redirectErrorStream(true).start();
                        byte[] dump = p.getInputStream().readAllBytes();
                        p.waitFor(10, TimeUnit.SECONDS);
                        out.append("pid ").append(h.pid()).append(":\n").append(new String(dump, StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        out.append("pid ").append(h.pid()).append(": no thread dump: ").append(e.getMessage()).append('\n');
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        return out.length() == 0 ? "(no JVM found)" : out.toString();
    }

    int exitCode() {
        return process.exitValue();
    }

    /** SIGKILL: the process dies at once, as in a crash. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM: what a container runtime sends to stop a container. */
    void terminate() {
        // Through the handle: Process.destroy() would also close this side's pipes, losing what the process still says.
        process.toHandle().destroy();
    }

    private static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        closeInput();
    }

    /** {@code history --db FILE --json} on a store, as JSON rows. */
    static List<JsonNode> history(Path dir, Path db) {
        JarProcess p = run(dir, Duration.ofSeconds(60), "history", "--db", db.toString(), "--json");
        assertThat(p.exitCode()).as("history exit code; err: %s", p.err()).isZero();
        return p.out().stream().map(JarProcess::parse).toList();
    }
}
