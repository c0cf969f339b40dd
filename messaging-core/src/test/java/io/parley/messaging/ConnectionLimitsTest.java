package io.parley.messaging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The connection caps of {@link Limits}: a connection past one gets {@code CODE_TOO_MANY_CONNECTIONS} and is closed
 * before a byte of it is read, the limit is counted and logged, and the node goes on serving its peers. Dialled connections are never refused by them, so the
 * healthy peer here is one the capped node dials (every test connection comes from 127.0.0.1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void aConnectionPastTheHandshakesInProgressIsClosedAtOnceAndTheSlotComesBackWithTheHandshake() throws Exception {
        try (Node healthy = Node.builder().id("healthy").build().start();
             Node hub = hub(Limits.builder().maxHandshakesInProgress(2), healthy);
             RawPeer silent1 = connect(hub, 2);
             RawPeer silent2 = connect(hub, 3)) {

            try (RawPeer third = RawPeer.connect(hub)) {
                io.parley.messaging.proto.v1.Error error = third.readError();
                assertThat(error.getCode()).isEqualTo(io.parley.messaging.proto.v1.Error.Code.CODE_TOO_MANY_CONNECTIONS);
                assertThat(error.getMessage()).contains("still in their handshake", "retry later");
                third.assertClosedByNode();
            }
            assertThat(hub.limitsReached().get(Limit.HANDSHAKES_IN_PROGRESS)).isEqualTo(1);
            logs.awaitLine(Level.WARN, "hub: refusing connection from", "2 connections are still in their handshake");

            silent1.handshake(NodeBuilder.DEFAULT_CLUSTER, "raw", 7); // its slot is given back
            try (RawPeer fourth = RawPeer.connect(hub)) {
                fourth.handshake(NodeBuilder.DEFAULT_CLUSTER, "raw2", 8);
            }
            assertStillServes(hub, healthy);
        }
    }

    @Test
    void aConnectionPastTheCapPerAddressIsClosedAtOnce() throws Exception {
        try (Node healthy = Node.builder().id("healthy").build().start();
             Node hub = hub(Limits.builder().maxConnectionsPerAddress(2), healthy)) {
            List<RawPeer> raws = new ArrayList<>();
            try {
                raws.add(connect(hub, 2));
                raws.add(connect(hub, 3));
                try (RawPeer third = RawPeer.connect(hub)) {
                    assertThat(third.readError().getCode())
                            .isEqualTo(io.parley.messaging.proto.v1.Error.Code.CODE_TOO_MANY_CONNECTIONS);
                    third.assertClosedByNode();
                }
                assertThat(hub.limitsReached().get(Limit.CONNECTIONS_PER_ADDRESS)).isEqualTo(1);
                logs.awaitLine(Level.WARN, "hub: refusing connection from", "2 connections from that address");

                raws.remove(0).close();
                await("the closed connection's place is given back").atMost(WAIT).untilAsserted(() -> {
                    try (RawPeer again = RawPeer.connect(hub)) {
                        again.handshake(NodeBuilder.DEFAULT_CLUSTER, "raw", 9);
                    }
                });
                assertStillServes(hub, healthy);
            } finally {
                for (RawPeer r : raws) {
                    r.close();
                }
            }
        }
    }

    @Test
    void aConnectionPastTheTotalIsClosedAtOnceAndDialledOnesCount() throws Exception {
        try (Node healthy = Node.builder().id("healthy").build().start();
             Node hub = hub(Limits.builder().maxConnections(2), healthy);
             RawPeer raw = connect(hub, 2)) {
            // one dialled (to healthy) and this one accepted: the node is at its cap
            raw.handshake(NodeBuilder.DEFAULT_CLUSTER, "raw", 5);
            try (RawPeer third = RawPeer.connect(hub)) {
                assertThat(third.readError().getMessage()).contains("2 connections are open");
                third.assertClosedByNode();
            }
            assertThat(hub.limitsReached().get(Limit.CONNECTIONS)).isEqualTo(1);
            assertThat(hub.limitsReached().get(Limit.CONNECTIONS_PER_ADDRESS)).isZero();
            assertStillServes(hub, healthy);
        }
    }

    /**
     * Connects to {@code hub} and waits until it has taken the connection, {@code open} connections in all:
     * connections are taken on several event loops, so without the wait a later one may be counted first.
     */
    private static RawPeer connect(Node hub, int open) throws Exception {
        RawPeer raw = RawPeer.connect(hub);
        await().atMost(WAIT).until(() -> hub.parts().openConnections() == open);
        return raw;
    }

    /**
     * A node with {@code limits} that dials {@code healthy}, once it has it UP and only its own connection to it open
     * (the healthy node, learning the hub's address, may dial it too; that connection loses the tie-break).
     */
    private static Node hub(Limits.Builder limits, Node healthy) {
        Node hub = Node.builder().id("hub").limits(limits.build())
                .peer("healthy", "127.0.0.1", healthy.localAddress().getPort()).build().start();
        await().atMost(WAIT).until(() -> hub.peers().stream()
                .anyMatch(p -> p.id().value().equals("healthy") && p.state() == PeerState.UP)
                && hub.parts().openConnections() == 1);
        return hub;
    }

    private static void assertStillServes(Node hub, Node healthy) {
        assertThat(hub.send("healthy", "still there?".getBytes(UTF_8))).succeedsWithin(WAIT)
                .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(healthy.send("hub", "and back".getBytes(UTF_8))).succeedsWithin(WAIT)
                .extracting(Receipt::status).isEqualTo(DeliveryStatus.DELIVERED);
    }
}
