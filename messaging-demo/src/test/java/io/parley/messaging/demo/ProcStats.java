package io.parley.messaging.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What Linux says of a process in {@code /proc/PID}: resident memory now and at its peak, threads, open
 * descriptors. Every reading is -1 once the process is gone. Stateless.
 */
record ProcStats(long rssKib, long peakRssKib, long threads, long descriptors) {

    static final ProcStats GONE = new ProcStats(-1, -1, -1, -1);

    /** Reads them now. */
    static ProcStats of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            List<String> status = Files.readAllLines(proc.resolve("status"));
            long fds;
            try (Stream<Path> open = Files.list(proc.resolve("fd"))) {
                fds = open.count();
            }
            return new ProcStats(field(status, "VmRSS:"), field(status, "VmHWM:"), field(status, "Threads:"), fds);
        } catch (IOException | RuntimeException e) {
            return GONE;
        }
    }

    private static long field(List<String> status, String name) {
        for (String line : status) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }
}
