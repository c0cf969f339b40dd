package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.Frame;

/**
 * Builds the pipeline described in {@link PipelineNames}, for an accepted connection, a connection dialled to a
 * known peer, or one dialled to an address whose node is not known yet.
 */
public final class NodeChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final ProtobufDecoder FRAME_DECODER = new ProtobufDecoder(Frame.getDefaultInstance());
    private static final FrameEncoder FRAME_ENCODER = new FrameEncoder();

    private final ChannelSettings settings;
    private final Ports ports;
    private final boolean accepted;
    private final NodeId expectedPeer;
    private final EnvelopeHandler envelopes;
    private final AckHandler acks;
    private final SessionHandler sessions;
    private final ExceptionHandler exceptions;
    private final ControlFrameSizeLimiter controlFrameSize;

    /**
     * @param accepted whether the connection was accepted (the other side says Hello) or dialled
     * @param expectedPeer for a dialled connection, the node meant to answer, or null if not known
     */
    public NodeChannelInitializer(ChannelSettings settings, Ports ports, boolean accepted, NodeId expectedPeer) {
        this.settings = settings;
        this.ports = ports;
        this.accepted = accepted;
        this.expectedPeer = expectedPeer;
        this.envelopes = new EnvelopeHandler(settings.clock(), ports.traffic());
        this.acks = new AckHandler(settings.clock(), ports.traffic());
        this.sessions = new SessionHandler(settings, ports.membership(), ports.traffic());
        this.controlFrameSize = new ControlFrameSizeLimiter(settings);
        this.exceptions = new ExceptionHandler(settings.self(), settings.limitCounters().logs());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.config().setTcpNoDelay(true);
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(settings.limits().writeBufferLowWaterBytes(),
                settings.limits().writeBufferHighWaterBytes()));
        ChannelPipeline p = ch.pipeline();
        if (settings.tls() != null) {
            p.addLast(PipelineNames.TLS, settings.tls().newHandler(ch, accepted, settings.handshakeTimeout()));
        }
        p.addLast(PipelineNames.FRAME_DECODER, new FrameDecoder(settings));
        p.addLast(PipelineNames.FRAME_ENCODER, FRAME_ENCODER);
        p.addLast(PipelineNames.CONTROL_SIZE, controlFrameSize);
        p.addLast(PipelineNames.CONTROL_RATE, new ControlFrameLimiter(settings));
        p.addLast(PipelineNames.PROTOBUF_DECODER, FRAME_DECODER);
        p.addLast(PipelineNames.ACK_COALESCER, new AckCoalescingEncoder(settings.clock()));
        p.addLast(PipelineNames.WRITABILITY, new WritabilityHandler(settings, ports.traffic()));
        p.addLast(PipelineNames.HANDSHAKE, accepted
                ? new ServerHandshakeHandler(settings, ports.handshake())
                : new ClientHandshakeHandler(settings, ports.handshake(), expectedPeer));
        p.addLast(PipelineNames.FAILURE_DETECTOR, new FailureDetectorHandler(settings, ports.membership()));
        p.addLast(PipelineNames.HEARTBEAT, new HeartbeatHandler(settings, ports.traffic()));
        p.addLast(PipelineNames.ENVELOPE, envelopes);
        p.addLast(PipelineNames.ACK, acks);
        p.addLast(PipelineNames.SESSION, sessions);
        p.addLast(PipelineNames.EXCEPTIONS, exceptions);
    }
}
