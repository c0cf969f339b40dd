package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import io.parley.messaging.proto.v1.Resume;
import io.parley.messaging.proto.v1.Welcome;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer that speaks the wire protocol by hand over a plain blocking socket, so tests can send what a real node
 * never would. Every read has a timeout ({@code SO_TIMEOUT}), so a test never hangs on a silent node.
 */
final class RawPeer implements AutoCloseable {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    /** Connects to {@code node}'s listening address. */
    static RawPeer connect(Node node) throws IOException {
        return connect(node, 0);
    }

    /**
     * Connects to {@code node}'s listening address with a receive buffer of about {@code receiveBufferBytes} (0 for
     * the system's default), for tests of a peer that does not read: a small one fills at once.
     */
    static RawPeer connect(Node node, int receiveBufferBytes) throws IOException {
        InetSocketAddress address = node.localAddress();
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes); // before connecting, so the window is negotiated with it
        }
        s.setSoTimeout((int) READ_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        s.connect(address, (int) READ_TIMEOUT.toMillis());
        return new RawPeer(s);
    }

    /** Accepts one connection on {@code server}, for tests where a node dials a hand-driven listener. */
    static RawPeer accept(ServerSocket server) throws IOException {
        server.setSoTimeout((int) READ_TIMEOUT.toMillis());
        Socket s = server.accept();
        s.setSoTimeout((int) READ_TIMEOUT.toMillis());
        return new RawPeer(s);
    }

    /** A Hello as a real node of {@code cluster} would send it, with the given protocol version. */
    static Frame hello(int protocolVersion, String cluster, String nodeId, long incarnation) {
        return Frame.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(protocolVersion)
                .setCluster(cluster)
                .setNodeId(nodeId)
                .setIncarnation(incarnation)
                .setSentAtMicros(System.currentTimeMillis() * 1000)).build();
    }

    /** Writes one frame: 4-byte big-endian length, then the serialized Frame. */
    void send(Frame frame) throws IOException {
        byte[] body = frame.toByteArray();
        out.writeInt(body.length);
        out.write(body);
        out.flush();
    }

    /** Writes a length prefix claiming {@code declaredLength} bytes, followed by {@code bytes} (any number). */
    void sendPrefixed(int declaredLength, byte[] bytes) throws IOException {
        out.writeInt(declaredLength);
        out.write(bytes);
        out.flush();
    }

    /** Writes {@code bytes} as they are, with no length prefix. */
    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends a version 1 Hello, reads the Welcome and the node's Resume, and answers with a Resume of an empty
     * stream, so that Envelopes may follow; fails the test if anything else comes back. Returns the Welcome.
     */
    Welcome handshake(String cluster, String nodeId, long incarnation) throws IOException {
        send(hello(1, cluster, nodeId, incarnation));
        Frame answer = read();
        assertThat(answer.hasWelcome()).as("answer to Hello: %s", answer).isTrue();
        Frame resume = read();
        while (resume.hasPing() || resume.hasPong() || resume.hasGossip()) {
            resume = read();
        }
        assertThat(resume.hasResume()).as("first frame after the Welcome: %s", resume).isTrue();
        send(Frame.newBuilder().setResume(Resume.getDefaultInstance()).build());
        return answer.getWelcome();
    }

    /**
     * Reads one frame.
     *
     * @throws EOFException if the node closed the connection
     * @throws SocketTimeoutException if nothing arrived within {@link #READ_TIMEOUT}
     */
    Frame read() throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return Frame.parseFrom(body);
    }

    /**
     * Reads frames until an Error, skipping what an established session sends on its own (Ping, Pong, acks, Gossip);
     * fails the test if the connection ends first.
     */
    Error readError() throws IOException {
        while (true) {
            Frame f;
            try {
                f = read();
            } catch (EOFException e) {
                return fail("the node closed the connection without sending an Error frame");
            }
            switch (f.getBodyCase()) {
                case ERROR -> {
                    return f.getError();
                }
                case PING, PONG, ACK_BATCH, GOSSIP -> {
                    // session chatter; keep reading
                }
                default -> fail("expected an Error frame, got " + f);
            }
        }
    }

    /** Asserts that the node closed the connection: the next read sees end of stream, not data or a timeout. */
    void assertClosedByNode() throws IOException {
        int next;
        try {
            next = in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the node did not close the connection within " + READ_TIMEOUT.toMillis() + " ms", e);
        }
        assertThat(next).as("end of stream after the Error frame").isEqualTo(-1);
    }

    /**
     * Reads frames until the node closes the connection (end of stream or a reset) and returns them; fails the
     * test if the connection is still open after {@link #READ_TIMEOUT} of silence or the node sends bytes that
     * do not parse as a frame.
     */
    List<Frame> readUntilClosedByNode() throws IOException {
        List<Frame> frames = new ArrayList<>();
        while (true) {
            try {
                frames.add(read());
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the node did not close the connection within " + READ_TIMEOUT.toMillis()
                        + " ms; frames so far: " + frames, e);
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("the node sent bytes that are not a frame; frames so far: " + frames, e);
            } catch (IOException e) {
                return frames; // EOFException (possibly mid-frame) or a reset: the node closed it
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
