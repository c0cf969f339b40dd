package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        assertThat(Limits.DEFAULT.maxFrameBytes()).isEqualTo(16 * 1024 * 1024);
        assertThat(Limits.DEFAULT.maxPayloadBytes()).isEqualTo(1024 * 1024);
        assertThat(Limits.DEFAULT.sendWindow()).isEqualTo(1024);
        assertThat(Limits.DEFAULT.maxQueuedPerPeer()).isEqualTo(100_000);
    }

    @Test
    void builderWithNothingSetBuildsTheDefaults() {
        assertThat(Limits.builder().build()).isEqualTo(Limits.DEFAULT);
    }

    @Test
    void builderSetsEveryValue() {
        Limits l = Limits.builder().maxFrameBytes(4096).maxPayloadBytes(3072).sendWindow(8).maxQueuedPerPeer(8).build();

        assertThat(l).isEqualTo(new Limits(4096, 3072, 8, 8, Limits.DEFAULT_MAX_DURABLE_BACKLOG_PER_PEER,
                Limits.DEFAULT_MAX_CONNECTIONS, Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
                Limits.DEFAULT_MAX_HANDSHAKES_IN_PROGRESS, Limits.DEFAULT_MAX_CONTROL_FRAMES_PER_SECOND,
                Limits.DEFAULT_MAX_MEMBERS, Limits.DEFAULT_MAX_CONCURRENT_DIALS, Limits.DEFAULT_MAX_NEW_MEMBERS_PER_FRAME,
                Limits.DEFAULT_MAX_CONTROL_FRAME_BYTES,
                Limits.DEFAULT_WRITE_BUFFER_HIGH_WATER_BYTES, Limits.DEFAULT_WRITE_BUFFER_LOW_WATER_BYTES,
                Limits.DEFAULT_SLOW_CONSUMER_TIMEOUT, Limits.DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER,
                Limits.DEFAULT_MAX_BODY_BYTES_IN_MEMORY));
    }

    @Test
    void membershipBoundsAreSetAndValidated() {
        Limits l = Limits.builder().maxMembers(10).maxConcurrentDials(2).maxNewMembersPerFrame(3).build();

        assertThat(l.maxMembers()).isEqualTo(10);
        assertThat(l.maxConcurrentDials()).isEqualTo(2);
        assertThat(l.maxNewMembersPerFrame()).isEqualTo(3);
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().maxMembers(0).build())
                .withMessageContaining("maxMembers must be positive");
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().maxConcurrentDials(-1).build())
                .withMessageContaining("maxConcurrentDials must be positive");
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().maxNewMembersPerFrame(0).build())
                .withMessageContaining("maxNewMembersPerFrame must be positive");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void nonPositiveMaxFrameBytesIsRefused(int value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().maxFrameBytes(value).build())
                .withMessageContaining("maxFrameBytes must be positive, got " + value);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void nonPositiveMaxPayloadBytesIsRefused(int value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().maxPayloadBytes(value).build())
                .withMessageContaining("maxPayloadBytes must be positive, got " + value);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void nonPositiveSendWindowIsRefused(int value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().sendWindow(value).build())
                .withMessageContaining("sendWindow must be positive, got " + value);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void nonPositiveMaxQueuedPerPeerIsRefused(int value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Limits.builder().maxQueuedPerPeer(value).build())
                .withMessageContaining("maxQueuedPerPeer must be positive, got " + value);
    }

    @Test
    void payloadThatFillsTheFrameLessOverheadIsAccepted() {
        Limits l = Limits.builder().maxFrameBytes(10_000).maxPayloadBytes(10_000 - Limits.FRAME_OVERHEAD_BYTES).build();

        assertThat(l.maxPayloadBytes()).isEqualTo(8976);
    }

    @Test
    void payloadPlusOverheadOverTheFrameSizeIsRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().maxFrameBytes(10_000)
                        .maxPayloadBytes(10_000 - Limits.FRAME_OVERHEAD_BYTES + 1).build())
                .withMessageContaining("maxPayloadBytes (8977)")
                .withMessageContaining("maxFrameBytes (10000)");
    }

    @Test
    void payloadNearIntMaxDoesNotOverflowPastTheFrameCheck() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().maxFrameBytes(Integer.MAX_VALUE).maxPayloadBytes(Integer.MAX_VALUE).build())
                .withMessageContaining("must fit in maxFrameBytes");
    }

    @Test
    void maxQueuedPerPeerBelowSendWindowIsRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().sendWindow(10).maxQueuedPerPeer(9).build())
                .withMessageContaining("maxQueuedPerPeer (9) must be at least sendWindow (10)");
    }

    @Test
    void maxQueuedPerPeerEqualToSendWindowIsAccepted() {
        assertThat(Limits.builder().sendWindow(10).maxQueuedPerPeer(10).build().maxQueuedPerPeer()).isEqualTo(10);
    }

    @Test
    void outboundBoundsDefaultToTheDocumentedValues() {
        assertThat(Limits.DEFAULT.writeBufferHighWaterBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(Limits.DEFAULT.writeBufferLowWaterBytes()).isEqualTo(1024 * 1024);
        assertThat(Limits.DEFAULT.slowConsumerTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(Limits.DEFAULT.maxInFlightBytesPerPeer()).isEqualTo(16L * 1024 * 1024);
        assertThat(Limits.DEFAULT.maxBodyBytesInMemory()).isEqualTo(32L * 1024 * 1024);
        assertThat(Limits.DEFAULT.writeBufferHighWaterBytes() - Limits.DEFAULT.writeBufferLowWaterBytes())
                .as("room between the marks for one Envelope of the largest default payload")
                .isGreaterThanOrEqualTo(Limits.DEFAULT.maxPayloadBytes());
    }

    @Test
    void lowWaterMarkNotBelowTheHighOneIsRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().writeBufferLowWaterBytes(4096).writeBufferHighWaterBytes(4096).build())
                .withMessageContaining("writeBufferLowWaterBytes (4096) must be below writeBufferHighWaterBytes (4096)");
    }

    @Test
    void nonPositiveSlowConsumerTimeoutAndByteBoundsAreRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().slowConsumerTimeout(java.time.Duration.ZERO).build())
                .withMessageContaining("slowConsumerTimeout must be positive");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().maxInFlightBytesPerPeer(0).build())
                .withMessageContaining("maxInFlightBytesPerPeer must be positive, got 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limits.builder().maxBodyBytesInMemory(-1).build())
                .withMessageContaining("maxBodyBytesInMemory must be positive, got -1");
    }
}
