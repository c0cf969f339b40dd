package io.parley.messaging.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback for one direction of dialling between two node processes (the dialler is given the
 * proxy's port as its peer's address), with faults switched on and off from outside, as a nemesis does:
 * <ul>
 *   <li>{@link #resetAll()}: every connection it carries is closed at once with an RST (SO_LINGER 0);
 *   <li>{@link #stall(long)}: for a while nothing is forwarded either way and nothing is closed: a silent link;
 *   <li>{@link #delay(int)}: every chunk read waits this long before it is forwarded;
 *   <li>{@link #fragment(boolean)}: every chunk is forwarded in pieces of 1 to 7 bytes, each its own TCP segment.
 * </ul>
 * The node behind it may restart on another port: {@link #target(int)} moves where new connections go. A
 * connection that cannot reach the target is closed.
 *
 * <p><b>Threads.</b> Plain blocking sockets: one daemon thread accepts, two per connection forward. Every field a
 * fault sets is volatile, read by the forwarding threads; waits are on {@link #gate}, so {@link #close()} and the end
 * of a fault wake them at once. Thread-safe.
 */
final class LinkProxy implements AutoCloseable {

    private static final int BUFFER_BYTES = 16 * 1024;

    private final String name;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private final Random pieces;
    private volatile int targetPort;
    private volatile long stallUntilNanos = System.nanoTime();
    private volatile int delayMillis;
    private volatile boolean fragment;
    private volatile boolean closed;

    /** A proxy named {@code name} (for its threads), cutting fragments by a Random seeded with {@code seed}. */
    LinkProxy(String name, long seed) {
        this.name = name;
        this.pieces = new Random(seed);
        try {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread accept = new Thread(this::acceptLoop, "proxy-" + name);
        accept.setDaemon(true);
        accept.start();
    }

    /** The port the dialling node is given. */
    int port() {
        return server.getLocalPort();
    }

    /** Where new connections go: the listening port of the node behind the proxy. */
    void target(int port) {
        targetPort = port;
    }

    /** Closes every connection it carries with an RST, both sides. */
    void resetAll() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                // closed already
            }
            closeQuietly(s);
        }
    }

    /** Forwards nothing, either way, for {@code millis}; closes nothing. */
    void stall(long millis) {
        stallUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Each chunk read waits {@code millis} before it is forwarded (0: none). */
    void delay(int millis) {
        delayMillis = millis;
        wake();
    }

    /** Forwards in pieces of 1 to 7 bytes, or whole chunks again. */
    void fragment(boolean on) {
        fragment = on;
    }

    /** Ends every fault: no stall, no delay, whole chunks. */
    void heal() {
        stallUntilNanos = System.nanoTime();
        delayMillis = 0;
        fragment = false;
        wake();
    }

    private void wake() {
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            forward(client, upstream, "up");
            forward(upstream, client, "down");
        }
    }

    private void forward(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[BUFFER_BYTES];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    hold();
                    if (fragment) {
                        writeInPieces(out, buffer, n);
                    } else {
                        out.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // reset or closed: the other side goes too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "proxy-" + name + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    /** Waits out a stall and then the delay, on the gate, so that healing or closing ends the wait at once. */
    private void hold() throws InterruptedException {
        synchronized (gate) {
            long left;
            while (!closed && (left = stallUntilNanos - System.nanoTime()) > 0) {
                gate.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            long delayUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
            while (!closed && delayMillis > 0 && (left = delayUntil - System.nanoTime()) > 0) {
                gate.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private void writeInPieces(OutputStream out, byte[] buffer, int n) throws IOException {
        int at = 0;
        while (at < n) {
            int piece;
            synchronized (pieces) {
                piece = Math.min(n - at, 1 + pieces.nextInt(7));
            }
            out.write(buffer, at, piece);
            at += piece;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed already
        }
        resetAll();
        wake();
    }
}
