package io.parley.messaging.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CrashNode} in a JVM of its own, started with this JVM's {@code java} and class path. Its stdout is read
 * line by line on a thread of its own, so the test waits for lines with timeouts; its stderr goes to a file kept
 * for diagnostics.
 */
final class ChildProcess {

    /** Heap of each child: small, as a node streaming through a durable store needs little. */
    static final String HEAP = "-Xmx256m";
    private static final String END = new String("end of output"); // compared by identity

    private final String name;
    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private boolean ended;

    private ChildProcess(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        Thread reader = new Thread(this::readStdout, "stdout-of-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code CrashNode args...}, called {@code name} in messages, with its stderr in {@code dir}. */
    static ChildProcess start(String name, Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), HEAP, "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=crash-node-logback.xml",
                "-cp", System.getProperty("java.class.path"), CrashNode.class.getName()));
        command.addAll(List.of(args));
        Path stderr = dir.resolve(name + ".stderr");
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()))
                .start();
        return new ChildProcess(name, process, stderr);
    }

    private static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process was killed: its output ends here
        } finally {
            lines.add(END);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    /**
     * The next line the child printed, waiting up to {@code timeout}.
     *
     * @throws AssertionError if none comes in time, or the output ended
     */
    String nextLine(Duration timeout) throws InterruptedException {
        return poll(timeout).orElseThrow(() -> new AssertionError(ended
                ? name + " ended its output" + exitStatus()
                : name + " printed nothing for " + timeout.toSeconds() + " s"));
    }

    /** The next line if the child printed one already, without waiting; empty also once its output ended. */
    Optional<String> lineIfAny() throws InterruptedException {
        return poll(Duration.ZERO);
    }

    /** The lines of a child that has exited, up to the end of its output, waiting up to {@code timeout} for it. */
    List<String> remainingLines(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> rest = new ArrayList<>();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(name + "'s output did not end within " + timeout.toSeconds() + " s");
            }
            poll(Duration.ofNanos(left)).ifPresent(rest::add);
        }
        return rest;
    }

    private Optional<String> poll(Duration timeout) throws InterruptedException {
        if (ended) {
            return Optional.empty();
        }
        String line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (line == END) {
            ended = true;
            return Optional.empty();
        }
        return Optional.ofNullable(line);
    }

    private String exitStatus() {
        return process.isAlive() ? "" : " and exited with " + process.exitValue();
    }

    /** SIGKILL: the process gets no chance to close anything. Waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + pid() + ") still runs 30 s after SIGKILL");
        }
    }

    /**
     * Closes the child's stdin, on which it closes its node and exits; waits up to {@code timeout}.
     *
     * @return the exit code
     */
    int stop(Duration timeout) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError(name + " (pid " + pid() + ") did not exit within " + timeout.toSeconds()
                    + " s of its stdin closing");
        }
        return process.exitValue();
    }

    /** Kills the process if it still runs; for cleaning up after a failure. */
    void destroy() {
        process.destroyForcibly();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the child wrote to stderr. */
    String stderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "(could not read " + stderr + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }
}
