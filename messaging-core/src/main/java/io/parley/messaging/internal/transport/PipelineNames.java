package io.parley.messaging.internal.transport;

/**
 * Names of the handlers in a Parley channel pipeline, in pipeline order from head (network) to tail.
 *
 * <pre>
 * handshakeSlot    HandshakeSlot                  accepted connections only: its place among the handshakes in
 *                                                 progress, given back when the session begins
 * tls              SslHandler                     with TLS only: TLS 1.3 (see TlsContexts)
 * frameDecoder     FrameDecoder                   bytes → one frame's bytes, at most maxFrameBytes; a long one that
 *                                                 does not start as an Envelope refused before it is gathered
 * frameEncoder     FrameEncoder                   (outbound) Frame → 4-byte length + bytes
 * controlSize      ControlFrameSizeLimiter        a frame over maxControlFrameBytes that is not one Envelope
 *                                                 refused before it is parsed
 * controlRate      ControlFrameLimiter            Ping and Gossip beyond their rates dropped unparsed; a flood
 *                                                 closes the connection
 * protobufDecoder  ProtobufDecoder                frame bytes → Frame
 * ackCoalescer     AckCoalescingEncoder           (outbound) PendingAcks of one flush → one AckBatch
 * writability      WritabilityHandler             unwritable: stop reading; closes a slow consumer
 * handshake        Client/ServerHandshakeHandler  Hello/Welcome; nothing passes before it completes;
 *                                                 replaced by idle when it does
 * idle             IdleStateHandler               reader idle event after the heartbeat timeout
 * failureDetector  FailureDetectorHandler         phi accrual: peer suspect, recovered, down (closes)
 * heartbeat        HeartbeatHandler               last-seen, a Ping every interval, Pong, idle timeout
 * envelope         EnvelopeHandler                Envelope → the node's inbound path
 * ack              AckHandler                     AckBatch → the peer link
 * session          SessionHandler                 Resume, Gossip, Goodbye, Error, unexpected frames, closed
 * exceptions       ExceptionHandler               any failure → Error frame, log line, close
 * </pre>
 */
public final class PipelineNames {

    public static final String HANDSHAKE_SLOT = "handshakeSlot";
    public static final String TLS = "tls";
    public static final String FRAME_DECODER = "frameDecoder";
    public static final String FRAME_ENCODER = "frameEncoder";
    public static final String CONTROL_SIZE = "controlSize";
    public static final String PROTOBUF_DECODER = "protobufDecoder";
    public static final String CONTROL_RATE = "controlRate";
    public static final String ACK_COALESCER = "ackCoalescer";
    public static final String WRITABILITY = "writability";
    public static final String HANDSHAKE = "handshake";
    public static final String IDLE = "idle";
    public static final String FAILURE_DETECTOR = "failureDetector";
    public static final String HEARTBEAT = "heartbeat";
    public static final String ENVELOPE = "envelope";
    public static final String ACK = "ack";
    public static final String SESSION = "session";
    public static final String EXCEPTIONS = "exceptions";

    private PipelineNames() {
    }
}
