package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.parley.messaging.clock.WallClock;
import io.parley.messaging.store.InMemoryMessageStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeBuilderTest {

    @Test
    void configWithoutIdIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> Node.builder().config())
                .withMessageContaining("node id is required");
    }

    @Test
    void peerWithTheNodesOwnIdIsRefused() {
        NodeBuilder b = Node.builder().id("a").peer("a=127.0.0.1:7000");

        assertThatIllegalArgumentException().isThrownBy(b::config)
                .withMessageContaining("a=127.0.0.1:7000")
                .withMessageContaining("this node's own id 'a'");
    }

    @Test
    void peerListedTwiceIsRefusedEvenWithDifferentAddresses() {
        NodeBuilder b = Node.builder().id("a").peer("b=127.0.0.1:7000").peer("c", "127.0.0.1", 7001)
                .peer("b=other.example:7002");

        assertThatIllegalArgumentException().isThrownBy(b::config)
                .withMessageContaining("peer 'b' is listed twice");
    }

    @Test
    void heartbeatTimeoutEqualToIntervalIsRefused() {
        NodeBuilder b = Node.builder().id("a").heartbeat(Duration.ofSeconds(2), Duration.ofSeconds(2));

        assertThatIllegalArgumentException().isThrownBy(b::config)
                .withMessageContaining("heartbeat timeout (PT2S) must exceed the interval (PT2S)");
    }

    @Test
    void heartbeatTimeoutBelowIntervalIsRefused() {
        NodeBuilder b = Node.builder().id("a").heartbeat(Duration.ofSeconds(3), Duration.ofSeconds(1));

        assertThatIllegalArgumentException().isThrownBy(b::config)
                .withMessageContaining("heartbeat timeout (PT1S) must exceed the interval (PT3S)");
    }

    @Test
    void nonPositiveDurationsAreRefusedWhenSet() {
        assertThatIllegalArgumentException().isThrownBy(() -> Node.builder().heartbeat(Duration.ZERO, Duration.ofSeconds(1)))
                .withMessageContaining("heartbeat interval must be positive");
        assertThatIllegalArgumentException().isThrownBy(() -> Node.builder().handshakeTimeout(Duration.ofMillis(-1)))
                .withMessageContaining("handshakeTimeout must be positive");
        assertThatIllegalArgumentException().isThrownBy(() -> Node.builder().closeTimeout(Duration.ofMillis(-1)))
                .withMessageContaining("closeTimeout must not be negative");
    }

    @Test
    void reconnectMaxBelowMinIsRefused() {
        NodeBuilder b = Node.builder().id("a").reconnect(Duration.ofSeconds(2), Duration.ofSeconds(1));

        assertThatIllegalArgumentException().isThrownBy(b::config)
                .withMessageContaining("reconnect max (PT1S) must not be less than min (PT2S)");
    }

    @Test
    void configWithOnlyAnIdHasEveryDefault() {
        NodeConfig c = Node.builder().id("a").config();

        assertThat(c.id()).isEqualTo(NodeId.of("a"));
        assertThat(c.cluster()).isEqualTo(NodeBuilder.DEFAULT_CLUSTER).isEqualTo("parley");
        assertThat(c.listenHost()).isEqualTo("127.0.0.1");
        assertThat(c.listenPort()).isZero();
        assertThat(c.advertisedAddress()).isEmpty();
        assertThat(c.peers()).isEmpty();
        assertThat(c.store()).isInstanceOf(InMemoryMessageStore.class);
        assertThat(c.clock()).isSameAs(WallClock.system());
        assertThat(c.listener()).isEmpty();
        assertThat(c.listenerExecutor()).isEmpty();
        assertThat(c.limits()).isEqualTo(Limits.DEFAULT);
        assertThat(c.ioThreads()).isEqualTo(2);
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.reconnectMin()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.reconnectMax()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.closeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.seeds()).isEmpty();
        assertThat(c.dnsDiscovery()).isEmpty();
        assertThat(c.gossipInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.failureDetection()).isEqualTo(FailureDetection.DEFAULT);
        assertThat(c.peerListener()).isEmpty();
        assertThat(c.peerEventExecutor()).isEmpty();
    }

    @Test
    void seedsAndDnsNamesAreKeptInOrderWithIpv6InBrackets() {
        NodeConfig c = Node.builder().id("a").seed("h:7000").seed("[::1]:7001")
                .discoverDns("parley.default.svc", 7000, Duration.ofSeconds(10)).config();

        assertThat(c.seeds()).containsExactly("h:7000", "[::1]:7001");
        assertThat(c.dnsDiscovery()).containsExactly(new NodeConfig.DnsDiscovery("parley.default.svc", 7000, Duration.ofSeconds(10)));
    }

    @Test
    void unusableSeedsAndDnsNamesAreRefusedWhenSet() {
        NodeBuilder b = Node.builder().id("a");

        assertThatIllegalArgumentException().isThrownBy(() -> b.seed("no-port")).withMessageContaining("HOST:PORT");
        assertThatIllegalArgumentException().isThrownBy(() -> b.seed("h:0")).withMessageContaining("port");
        assertThatIllegalArgumentException().isThrownBy(() -> b.discoverDns(" ", 7000, Duration.ofSeconds(1)))
                .withMessageContaining("blank");
        assertThatIllegalArgumentException().isThrownBy(() -> b.discoverDns("h", 0, Duration.ofSeconds(1)))
                .withMessageContaining("port");
        assertThatIllegalArgumentException().isThrownBy(() -> b.discoverDns("h", 7000, Duration.ZERO))
                .withMessageContaining("interval");
        assertThatIllegalArgumentException().isThrownBy(() -> b.gossipInterval(Duration.ZERO))
                .withMessageContaining("gossipInterval");
    }

    @Test
    void failureDetectionSettingsAreValidated() {
        assertThatIllegalArgumentException().isThrownBy(() -> FailureDetection.builder().suspectThreshold(5).downThreshold(4).build())
                .withMessageContaining("downThreshold (4.0) must be finite and at least suspectThreshold (5.0)");
        assertThatIllegalArgumentException().isThrownBy(() -> FailureDetection.builder().suspectThreshold(0).build())
                .withMessageContaining("suspectThreshold");
        assertThatIllegalArgumentException().isThrownBy(() -> FailureDetection.builder().minStdDeviation(Duration.ZERO).build())
                .withMessageContaining("minStdDeviation");
        assertThatIllegalArgumentException().isThrownBy(() -> FailureDetection.builder().acceptablePause(Duration.ofMillis(-1)).build())
                .withMessageContaining("acceptablePause");
        assertThatIllegalArgumentException().isThrownBy(() -> FailureDetection.builder().maxSamples(1).build())
                .withMessageContaining("maxSamples");
        assertThat(FailureDetection.DEFAULT.silenceUntilSuspect(Duration.ofSeconds(1))).isBetween(
                Duration.ofMillis(3_300), Duration.ofMillis(3_310));
        assertThat(FailureDetection.DEFAULT.silenceUntilDown(Duration.ofSeconds(1))).isBetween(
                Duration.ofMillis(3_520), Duration.ofMillis(3_530));
    }

    @Test
    void configKeepsPeersInTheOrderAdded() {
        NodeConfig c = Node.builder().id("a").peer("c=h:2").peer("b=[::1]:1").config();

        assertThat(c.peers()).containsExactly(PeerAddress.parse("c=h:2"), PeerAddress.parse("b=[::1]:1"));
    }

    @Test
    void eachConfigWithoutAStoreGetsItsOwnStore() {
        NodeBuilder b = Node.builder().id("a");

        assertThat(b.config().store()).isNotSameAs(b.config().store());
    }

    @Test
    void listenAddressIsParsedIncludingIpv6() {
        NodeConfig c = Node.builder().id("a").listen("[::1]:7000").config();

        assertThat(c.listenHost()).isEqualTo("::1");
        assertThat(c.listenPort()).isEqualTo(7000);
    }

    @Test
    void listenPortOutOfRangeIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> Node.builder().listen("h", 65536))
                .withMessageContaining("listen port must be between 0 and 65535, got 65536");
    }
}
