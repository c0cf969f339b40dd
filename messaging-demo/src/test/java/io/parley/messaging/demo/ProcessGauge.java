package io.parley.messaging.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a JVM process from outside, as an operator would: its heap in use ({@code jcmd PID GC.heap_info}), its heap
 * after a full collection ({@code jcmd PID GC.run} first), and its open file descriptors ({@code /proc/PID/fd}).
 * {@link #startSampling} keeps the peaks of heap and descriptors on a timer thread of its own until {@link #close}.
 */
final class ProcessGauge implements AutoCloseable {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Path JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd");

    private final long pid;
    private final AtomicLong peakHeap = new AtomicLong();
    private final AtomicLong peakDescriptors = new AtomicLong();
    private ScheduledExecutorService sampler;
    /** Heap in use past which the gauge takes one class histogram, to say what filled it. */
    private static final long HISTOGRAM_ABOVE = 110L << 20;
    private volatile String histogram;

    ProcessGauge(long pid) {
        this.pid = pid;
    }

    /** Samples heap and descriptors every {@code millis} ms, keeping the peaks, from now until {@link #close}. */
    ProcessGauge startSampling(long millis) {
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gauge-" + pid);
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(this::sample, 0, millis, TimeUnit.MILLISECONDS);
        return this;
    }

    private void sample() {
        try {
            long heap = heapBytes();
            if (heap > HISTOGRAM_ABOVE && histogram == null) {
                String h = jcmd("GC.class_histogram");
                histogram = String.join("\n", java.util.Arrays.asList(h.split("\n")).subList(0, Math.min(20, h.split("\n").length)));
            }
            peakHeap.accumulateAndGet(heap, Math::max);
            peakDescriptors.accumulateAndGet(descriptors(), Math::max);
        } catch (RuntimeException e) {
            // the process ended: the caller finds out by itself
        }
    }

    /** The highest heap in use seen while sampling, in bytes. */
    long peakHeap() {
        return peakHeap.get();
    }

    /** The top of a class histogram taken once the heap passed 110 MiB, or null if it never did. */
    String histogram() {
        return histogram;
    }

    /** The most descriptors seen open while sampling. */
    long peakDescriptors() {
        return peakDescriptors.get();
    }

    /**
     * Heap in use now, in bytes: the sum of the {@code used} of each generation (Serial, Parallel) or of the heap
     * (G1), as {@code GC.heap_info} prints them; Metaspace is not heap and is left out.
     */
    long heapBytes() {
        long used = 0;
        for (String line : jcmd("GC.heap_info").split("\n")) {
            Matcher m = USED.matcher(line);
            if (line.contains("total") && (line.contains("generation") || line.contains("heap")) && m.find()) {
                used += Long.parseLong(m.group(1)) * 1024;
            }
        }
        return used;
    }

    /** Heap in use right after a full collection, in bytes. */
    long heapAfterGc() {
        jcmd("GC.run");
        return heapBytes();
    }

    /** File descriptors the process holds open now. */
    long descriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String jcmd(String command) {
        try {
            Process p = new ProcessBuilder(JCMD.toString(), String.valueOf(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
