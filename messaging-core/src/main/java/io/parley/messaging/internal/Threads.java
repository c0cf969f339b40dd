package io.parley.messaging.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The node's own non-event-loop threads: daemon, named, and free of finalizers. */
public final class Threads {

    private Threads() {
    }

    /** Plain daemon threads named {@code name-1}, {@code name-2}, ... */
    public static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * One thread with an unbounded queue. Not {@code Executors.newSingleThreadExecutor}: its wrapper has a
     * finalizer, which keeps everything the thread factory reaches alive until the finalizer thread has run.
     */
    public static ExecutorService single(ThreadFactory factory) {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
    }
}
