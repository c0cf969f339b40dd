package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.FailureDetection;
import io.parley.messaging.Limits;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.proto.v1.Hello;
import java.time.Duration;

/** Settings, frames and sessions shared by the transport tests; times are fixed so tests assert them exactly. */
final class TransportFixtures {

    static final NodeId SELF = NodeId.of("self");
    static final NodeId PEER = NodeId.of("peer-a");
    static final String CLUSTER = "test-cluster";
    static final long INCARNATION = 42L;
    static final long PEER_INCARNATION = 7L;
    static final String ADVERTISED = "self.example:7000";
    static final String PEER_ADVERTISED = "peer-a.example:7000";
    static final long NOW = 1_000_000L;
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(30);
    static final int MAX_FRAME_BYTES = 2048;

    private TransportFixtures() {
    }

    static ChannelSettings settings() {
        return settings(() -> NOW);
    }

    static ChannelSettings settings(WallClock clock) {
        return settings(clock, null);
    }

    /** The default settings, with {@code secret} as the cluster secret (null: none). */
    static ChannelSettings settings(ClusterSecret secret) {
        return settings(() -> NOW, secret);
    }

    /** The default settings, with {@code limits} and its reaches counted in {@code counters}. */
    static ChannelSettings settings(Limits limits, LimitCounters counters) {
        return new ChannelSettings(SELF, CLUSTER, INCARNATION, () -> ADVERTISED, () -> NOW, HANDSHAKE_TIMEOUT,
                HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, limits, FailureDetection.DEFAULT, null, counters, null);
    }

    private static ChannelSettings settings(WallClock clock, ClusterSecret secret) {
        return new ChannelSettings(SELF, CLUSTER, INCARNATION, () -> ADVERTISED, clock,
                HANDSHAKE_TIMEOUT, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, limits(MAX_FRAME_BYTES), FailureDetection.DEFAULT, null,
                new LimitCounters(), secret);
    }

    /** Settings of {@link #PEER}, the other side of a handshake with {@link #SELF}, with {@code secret} (null: none). */
    static ChannelSettings peerSettings(ClusterSecret secret) {
        return new ChannelSettings(PEER, CLUSTER, PEER_INCARNATION, () -> PEER_ADVERTISED, () -> NOW,
                HANDSHAKE_TIMEOUT, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, limits(MAX_FRAME_BYTES), FailureDetection.DEFAULT, null,
                new LimitCounters(), secret);
    }

    /** The default limits, but frames of at most {@code maxFrameBytes} (and payloads to fit). */
    static Limits limits(int maxFrameBytes) {
        return Limits.builder().maxFrameBytes(maxFrameBytes)
                .maxPayloadBytes(maxFrameBytes - Limits.FRAME_OVERHEAD_BYTES).build();
    }

    static Hello.Builder hello() {
        return Hello.newBuilder()
                .setProtocolVersion(Frames.PROTOCOL_VERSION)
                .setCluster(CLUSTER)
                .setNodeId(PEER.value())
                .setIncarnation(PEER_INCARNATION)
                .setAdvertisedAddress(PEER_ADVERTISED)
                .setSentAtMicros(900_000L);
    }

    static Frame frame(Hello.Builder hello) {
        return Frame.newBuilder().setHello(hello).build();
    }

    /** Marks {@code channel} as carrying an established session with {@link #PEER}, as the handshake would. */
    static Session establish(Channel channel) {
        Session session = new Session(PEER, PEER_INCARNATION, channel, false, PEER_ADVERTISED);
        channel.attr(Session.KEY).set(session);
        return session;
    }

    /** Reads the next outbound message, asserting it is an Error frame, and returns the Error. */
    static Error readError(EmbeddedChannel channel) {
        Object out = channel.readOutbound();
        assertThat(out).isInstanceOf(Frame.class);
        Frame frame = (Frame) out;
        assertThat(frame.hasError()).as("expected an Error frame, got %s", frame).isTrue();
        return frame.getError();
    }
}
