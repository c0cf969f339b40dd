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
                Limits.DEFAULT_WRITE_BUFFER_HIGH_WATER_BYTES, Limits.DEFAULT_WRITE_BUFFER_LOW_WATER_BYTES,
                Limits.DEFAULT_SLOW_CONSUMER_TIMEOUT, Limits.DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER,
                Limits.DEFAULT_MAX_BODY_BYTES_IN_MEMORY));
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
}
