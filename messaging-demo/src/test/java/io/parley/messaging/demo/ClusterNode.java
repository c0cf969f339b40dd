package io.parley.messaging.demo;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One headless {@code node} process of the demo jar on its SQLite store ({@code ID.db} in the run's directory), which
 * a nemesis kills, pauses and starts again on the same store, perhaps with its clock moved. Its standard output (one
 * JSON event a line) is appended to {@code ID.out} across its lives, and standard error to {@code ID.err}; nothing
 * reads them while it runs but the start, which waits for the {@code listening} and {@code http} events of this life.
 *
 * <p><b>Threads.</b> Every method may be called from any thread; the process operations (start, kill, pause,
 * resume, stop) are synchronized, so two faults never act on one node at the same moment. {@link #api()} and
 * {@link #port()} are volatile reads.
 */
final class ClusterNode {

    private static final Duration START = Duration.ofSeconds(90);

    private final String id;
    private final Path dir;
    private final List<String> peerArgs;
    private final Path out;
    private final Path err;
    private Process process;
    private volatile int port;
    private volatile String api;
    private long peakRssKib;
    private Duration clockOffset = Duration.ZERO;

    /** Node {@code id} in {@code dir}, dialling its peers as {@code peerArgs} ({@code --peer ID=HOST:PORT ...}) say. */
    ClusterNode(String id, Path dir, List<String> peerArgs) {
        this.id = id;
        this.dir = dir;
        this.peerArgs = List.copyOf(peerArgs);
        this.out = dir.resolve(id + ".out");
        this.err = dir.resolve(id + ".err");
    }

    String id() {
        return id;
    }

    Path db() {
        return dir.resolve(id + ".db");
    }

    /** Its listening port in this life. */
    int port() {
        return port;
    }

    /** Its HTTP API's base URL, or null while it is down. */
    String api() {
        return api;
    }

    synchronized Duration clockOffset() {
        return clockOffset;
    }

    /** Starts it (on its store, with its clock {@code clockOffset} off the machine's) and waits until it listens. */
    synchronized void start(Duration clockOffset, List<String> jvmOptions) {
        this.clockOffset = clockOffset;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JarProcess.JAR.toString(), "node", "--id", id, "--listen", "127.0.0.1:0",
                "--db", db().toString(), "--http", "127.0.0.1:0", "--http-token-file", FaultCluster.TOKEN_FILE,
                "--headless", "--json", "--clock-offset", clockOffset.toMillis() + "ms"));
        command.addAll(peerArgs);
        long from = size(out);
        try {
            process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        AtomicReference<JsonNode> listening = new AtomicReference<>();
        AtomicReference<JsonNode> http = new AtomicReference<>();
        await().atMost(START).pollInterval(Duration.ofMillis(50)).failFast(id + " exited while starting", () -> !started.isAlive())
                .until(() -> {
                    for (String line : linesFrom(from)) {
                        if (line.startsWith("{\"event\":\"listening\"")) {
                            listening.set(JarProcess.parse(line));
                        } else if (line.startsWith("{\"event\":\"http\"")) {
                            http.set(JarProcess.parse(line));
                        }
                    }
                    return listening.get() != null && http.get() != null;
                });
        String address = listening.get().get("address").asText();
        port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        api = "http://" + http.get().get("address").asText();
    }

    /** SIGKILL: gone at once, as in a crash; what it committed is in its store. */
    synchronized void kill() {
        sample();
        api = null;
        process.destroyForcibly();
        waitFor(process);
    }

    /** SIGSTOP: frozen, its sockets open. */
    synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    synchronized void resume() {
        signal("CONT");
    }

    /** SIGCONT, then SIGTERM and the wait for its graceful exit (its exit code; 143 is a clean stop). */
    synchronized int stop() {
        if (process == null || !process.isAlive()) {
            return process == null ? 0 : process.exitValue();
        }
        signal("CONT");
        sample();
        api = null;
        process.toHandle().destroy();
        waitFor(process);
        return process.exitValue();
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process.pid();
    }

    /** Reads /proc now, and keeps the peak resident size over all its lives. */
    synchronized ProcStats sample() {
        if (process == null || !process.isAlive()) {
            return ProcStats.GONE;
        }
        ProcStats stats = ProcStats.of(process.pid());
        peakRssKib = Math.max(peakRssKib, stats.peakRssKib());
        return stats;
    }

    /** The largest resident size any of its lives reached, as far as the samples saw (VmHWM). */
    synchronized long peakRssKib() {
        return peakRssKib;
    }

    /** Its standard error so far, for a failure message. */
    String errors() {
        try {
            return Files.exists(err) ? Files.readString(err) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
            waitFor(kill);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void waitFor(Process p) {
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<String> linesFrom(long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
            f.seek(offset);
            byte[] bytes = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
            f.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            return text.substring(0, text.lastIndexOf('\n') + 1).lines().toList(); // whole lines only
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
