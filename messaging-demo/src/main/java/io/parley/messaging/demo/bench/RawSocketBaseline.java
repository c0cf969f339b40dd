package io.parley.messaging.demo.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The bench's baseline: the same exchange as two Parley nodes (each side sends n length-prefixed payloads and
 * acks every payload it gets) over plain blocking loopback sockets, with no store, no protobuf and no event
 * loop. What the machine can do at best, measured beside every Parley run.
 */
final class RawSocketBaseline {

    private static final byte DATA = 1;
    private static final byte ACK = 2;

    private RawSocketBaseline() {
    }

    /** Nanoseconds until both sides have all their acks. */
    static long exchange(int messages, int payload) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 Socket served = accepted.get(10, TimeUnit.SECONDS)) {
                client.setTcpNoDelay(true);
                served.setTcpNoDelay(true);
                Side a = new Side(client, messages, payload);
                Side b = new Side(served, messages, payload);
                long start = System.nanoTime();
                CompletableFuture<?> all = CompletableFuture.allOf(
                        CompletableFuture.runAsync(a::send, pool), CompletableFuture.runAsync(a::receive, pool),
                        CompletableFuture.runAsync(b::send, pool), CompletableFuture.runAsync(b::receive, pool));
                all.get(120, TimeUnit.SECONDS);
                return System.nanoTime() - start;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static final class Side {
        private final DataOutputStream out;
        private final DataInputStream in;
        private final int messages;
        private final byte[] body;

        Side(Socket socket, int messages, int payload) throws IOException {
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            this.messages = messages;
            this.body = new byte[payload];
        }

        void send() {
            try {
                for (int i = 0; i < messages; i++) {
                    synchronized (out) {
                        out.writeInt(body.length + 1);
                        out.writeByte(DATA);
                        out.write(body);
                        if ((i & 63) == 63 || i == messages - 1) {
                            out.flush();
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void receive() {
            try {
                int data = 0;
                int acks = 0;
                byte[] buf = new byte[body.length];
                while (data < messages || acks < messages) {
                    if (in.available() == 0) {
                        synchronized (out) {
                            out.flush(); // never block on a read with acks still buffered
                        }
                    }
                    int len = in.readInt();
                    byte kind = in.readByte();
                    if (kind == DATA) {
                        in.readFully(buf, 0, len - 1);
                        data++;
                        synchronized (out) {
                            out.writeInt(9);
                            out.writeByte(ACK);
                            out.writeLong(data);
                        }
                    } else {
                        in.readLong();
                        acks++;
                    }
                }
                synchronized (out) {
                    out.flush();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
