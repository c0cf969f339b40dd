package io.parley.messaging.demo;

import com.google.protobuf.ByteString;
import io.parley.messaging.proto.v1.Challenge;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.proto.v1.Proof;
import io.parley.messaging.proto.v1.Resume;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A scripted protocol peer over a real socket: it speaks Parley's wire protocol (length-prefixed frames) as much as
 * an attack needs, and no more. It can refuse to read (a small receive buffer, never drained), so that whatever the
 * node writes to it piles up on the node's side. Owned by the thread that drives it.
 */
final class HostilePeer implements AutoCloseable {

    /** The receive buffer of a peer that does not read: as small as the system allows. */
    static final int TINY_BUFFER = 4096;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private HostilePeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
    }

    /** Connects to {@code port} on the loopback; {@code receiveBuffer} bytes of receive buffer, or 0 for the default. */
    static HostilePeer connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
        }
        s.setSoTimeout(5_000);
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new HostilePeer(s);
    }

    static Frame hello(String cluster, String id, long incarnation, Iterable<Member> members) {
        return Frame.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(1)
                .setCluster(cluster)
                .setNodeId(id)
                .setIncarnation(incarnation)
                .setSentAtMicros(System.currentTimeMillis() * 1000)
                .addAllMembers(members)).build();
    }

    /** A Hello carrying a nonce, as a node with a cluster secret sends it. */
    static Frame hello(String cluster, String id, long incarnation, Iterable<Member> members, byte[] nonce) {
        Frame h = hello(cluster, id, incarnation, members);
        return h.toBuilder().setHello(h.getHello().toBuilder().setNonce(ByteString.copyFrom(nonce))).build();
    }

    /**
     * Says Hello as node {@code id} (proving {@code secret} if it is not null, as the protocol says: a nonce in the
     * Hello, the node's Challenge, this peer's Proof) and answers the node's Resume with an empty one: from then on
     * the node takes this peer for a member. Fails if the node answers anything but a Welcome.
     */
    void handshake(String cluster, String id, long incarnation, Iterable<Member> members, byte[] secret)
            throws IOException {
        if (secret == null) {
            send(hello(cluster, id, incarnation, members));
        } else {
            byte[] nonce = new byte[32];
            RANDOM.nextBytes(nonce);
            send(hello(cluster, id, incarnation, members, nonce));
            flush();
            Frame challenge = read();
            if (!challenge.hasChallenge()) {
                throw refused(id, challenge);
            }
            Challenge c = challenge.getChallenge();
            send(Frame.newBuilder().setProof(Proof.newBuilder().setProof(ByteString.copyFrom(proof(secret,
                    "parley-v1 dialler proof", cluster, id, incarnation, c.getNodeId(), c.getIncarnation(), nonce,
                    c.getNonce().toByteArray())))).build());
        }
        flush();
        Frame answer = read();
        if (!answer.hasWelcome()) {
            throw refused(id, answer);
        }
        send(Frame.newBuilder().setResume(Resume.getDefaultInstance()).build());
        flush();
    }

    /**
     * A proof of the cluster secret as the wire protocol defines it, written here from the protocol's description:
     * HMAC-SHA256 over the label, the cluster, the dialler's id and incarnation, the acceptor's id and incarnation and
     * both nonces, each byte string preceded by its length (4 bytes, big-endian), each incarnation 8 bytes.
     */
    static byte[] proof(byte[] secret, String label, String cluster, String diallerId, long diallerIncarnation,
                        String acceptorId, long acceptorIncarnation, byte[] diallerNonce, byte[] acceptorNonce) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            DataOutputStream in = new DataOutputStream(bytes);
            for (Object field : new Object[] {label.getBytes(StandardCharsets.US_ASCII),
                    cluster.getBytes(StandardCharsets.UTF_8), diallerId.getBytes(StandardCharsets.UTF_8),
                    diallerIncarnation, acceptorId.getBytes(StandardCharsets.UTF_8), acceptorIncarnation, diallerNonce,
                    acceptorNonce}) {
                if (field instanceof Long l) {
                    in.writeLong(l);
                } else {
                    byte[] b = (byte[]) field;
                    in.writeInt(b.length);
                    in.write(b);
                }
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(bytes.toByteArray());
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IOException refused(String id, Frame answer) {
        return answer.hasError() ? new Refused(answer.getError())
                : new IOException("the node answered " + id + "'s Hello with " + answer.getBodyCase());
    }

    /** The node refused the handshake with an Error frame. */
    static final class Refused extends IOException {
        final Error error;

        Refused(Error error) {
            super("refused with " + error.getCode().name().replace("CODE_", "") + ": " + error.getMessage());
            this.error = error;
        }
    }

    /** Writes one frame into the buffer (a 4-byte length, then the frame); {@link #flush} sends it. */
    void send(Frame frame) throws IOException {
        byte[] body = frame.toByteArray();
        out.writeInt(body.length);
        out.write(body);
    }

    /** Writes one frame already serialized. */
    void send(byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
    }

    void flush() throws IOException {
        out.flush();
    }

    Frame read() throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return Frame.parseFrom(body);
    }

    /**
     * Reads until the node closes the connection, at most {@code timeout}: the first Error it said, if any, or empty
     * if it closed without one. Throws if the connection is still open at the deadline.
     */
    Optional<Error> readUntilClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Error last = null;
        while (System.nanoTime() < deadline) {
            try {
                Frame f = read();
                if (f.hasError() && last == null) {
                    last = f.getError();
                }
            } catch (SocketTimeoutException e) {
                // keep waiting until the deadline
            } catch (EOFException | java.net.SocketException e) {
                return Optional.ofNullable(last);
            }
        }
        throw new IOException("the node still had the connection open after " + timeout);
    }

    /** Whether the node closed the connection: a read sees end of stream or a reset within {@code timeout}. */
    boolean closedByNode(Duration timeout) {
        try {
            readUntilClosed(timeout);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
