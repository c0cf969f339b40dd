package io.parley.messaging.internal.transport;

import static io.parley.messaging.internal.transport.TransportFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real pipeline from {@link NodeChannelInitializer}, driven with bytes as they arrive from the network. */
class NodeChannelInitializerPipelineTest {

    private final RecordingSessionEvents events = new RecordingSessionEvents();
    private EmbeddedSocketChannel channel;

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void open(NodeId expectedPeer) {
        channel = new EmbeddedSocketChannel();
        channel.pipeline().addLast(new NodeChannelInitializer(settings(), Ports.of(events), expectedPeer == null, expectedPeer));
        channel.start();
        channel.freezeTime(); // no timer fires while a test runs
    }

    private static ByteBuf lengthPrefixed(byte[] body) {
        return Unpooled.buffer(4 + body.length).writeInt(body.length).writeBytes(body);
    }

    /** Drains everything written to the network and splits it into frames at their length prefixes. */
    private List<Frame> writtenFrames() throws InvalidProtocolBufferException {
        List<Frame> frames = new ArrayList<>();
        ByteBuf all = Unpooled.buffer();
        try {
            for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
                all.writeBytes(b);
                b.release();
            }
            while (all.isReadable()) {
                byte[] body = new byte[all.readInt()];
                all.readBytes(body);
                frames.add(Frame.parseFrom(body));
            }
        } finally {
            all.release();
        }
        return frames;
    }

    @Test
    void everyConnectionHasTheWriteBufferWaterMarksOfItsLimits() {
        open(null);

        assertThat(channel.config().getWriteBufferHighWaterMark()).isEqualTo(settings().limits().writeBufferHighWaterBytes());
        assertThat(channel.config().getWriteBufferLowWaterMark()).isEqualTo(settings().limits().writeBufferLowWaterBytes());
    }

    @Test
    void pipelineHasTheDocumentedHandlersInOrder() {
        open(null);

        assertThat(channel.pipeline().names()).startsWith(
                PipelineNames.FRAME_DECODER, PipelineNames.FRAME_ENCODER, PipelineNames.CONTROL_SIZE,
                PipelineNames.CONTROL_RATE, PipelineNames.PROTOBUF_DECODER, PipelineNames.ACK_COALESCER,
                PipelineNames.WRITABILITY, PipelineNames.HANDSHAKE, PipelineNames.FAILURE_DETECTOR,
                PipelineNames.HEARTBEAT, PipelineNames.ENVELOPE, PipelineNames.ACK, PipelineNames.SESSION,
                PipelineNames.EXCEPTIONS);
        assertThat(channel.config().isTcpNoDelay()).isTrue();
    }

    @Test
    void dialledChannelSendsLengthPrefixedHelloOnActivation() throws Exception {
        open(PEER);

        assertThat(writtenFrames()).singleElement().satisfies(f -> {
            assertThat(f.getHello().getNodeId()).isEqualTo(SELF.value());
            assertThat(f.getHello().getCluster()).isEqualTo(CLUSTER);
        });
    }

    @Test
    void helloSplitAcrossReadsIsAnsweredWithOneWelcome() throws Exception {
        open(null);
        ByteBuf bytes = lengthPrefixed(frame(hello()).toByteArray());

        channel.writeInbound(bytes.readRetainedSlice(3));
        assertThat(events.admitted).isEmpty();
        channel.writeInbound(bytes);

        assertThat(events.admitted).hasSize(1);
        assertThat(writtenFrames()).singleElement()
                .satisfies(f -> assertThat(f.getWelcome().getNodeId()).isEqualTo(SELF.value()));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void frameOfExactlyMaxFrameBytesIsAccepted() throws Exception {
        open(null);
        byte[] body = helloOfSize(MAX_FRAME_BYTES);

        channel.writeInbound(lengthPrefixed(body));

        assertThat(events.admitted).hasSize(1);
        assertThat(writtenFrames()).singleElement().satisfies(f -> assertThat(f.hasWelcome()).isTrue());
    }

    @Test
    void frameOverMaxFrameBytesIsRefusedWithFrameTooLargeAndClosed() throws Exception {
        open(null);
        byte[] body = helloOfSize(MAX_FRAME_BYTES + 1);

        channel.writeInbound(lengthPrefixed(body));

        assertThat(writtenFrames()).singleElement()
                .satisfies(f -> assertThat(f.getError().getCode()).isEqualTo(Error.Code.CODE_FRAME_TOO_LARGE));
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.admitted).isEmpty();
    }

    @Test
    void garbageBytesAreRefusedWithMalformedFrameAndClosed() throws Exception {
        open(null);

        channel.writeInbound(lengthPrefixed(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));

        assertThat(writtenFrames()).singleElement()
                .satisfies(f -> assertThat(f.getError().getCode()).isEqualTo(Error.Code.CODE_MALFORMED_FRAME));
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.admitted).isEmpty();
    }

    @Test
    void acksWrittenAfterHandshakeLeaveAsOneLengthPrefixedBatch() throws Exception {
        open(null);
        channel.writeInbound(lengthPrefixed(frame(hello()).toByteArray()));
        writtenFrames(); // the Welcome

        for (long seq = 1; seq <= 3; seq++) {
            channel.write(new PendingAck(seq, NOW, new HybridTimestamp(NOW, 0), AckStatus.ACK_STATUS_STORED, ""));
        }
        channel.flush();

        assertThat(writtenFrames()).singleElement()
                .satisfies(f -> assertThat(f.getAckBatch().getAcksCount()).isEqualTo(3));
    }

    /** A serialized Hello frame padded (in its advertised address) to exactly {@code size} bytes. */
    private static byte[] helloOfSize(int size) {
        Hello.Builder hello = hello().setAdvertisedAddress("");
        for (int pad = 0; pad <= size; pad++) {
            byte[] body = frame(hello.setAdvertisedAddress("x".repeat(pad))).toByteArray();
            if (body.length == size) {
                return body;
            }
        }
        throw new IllegalStateException("no Hello of exactly " + size + " bytes");
    }
}
