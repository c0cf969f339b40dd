package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.proto.v1.Error;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Membership's bounds on running nodes: dials at once, a closed cluster, forgetting a peer that went away. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoundedMembershipNodeTest {

    /**
     * Twelve configured peers whose address accepts TCP connections but never answers the Hello: without the cap
     * the node would hold twelve dials at once; with maxConcurrentDials 3 it holds three, the others wait their
     * turn, and every one is made in the end (each frees its slot when its handshake times out).
     */
    @Test
    void noMoreThanMaxConcurrentDialsAreMadeAtOnceAndTheOthersWaitTheirTurn() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            NodeBuilder b = Node.builder().id("dialler").handshakeTimeout(Duration.ofMillis(300))
                    .limits(Limits.builder().maxConcurrentDials(3).build());
            for (int i = 0; i < 12; i++) {
                b.peer("silent-" + i, "127.0.0.1", silent.getLocalPort());
            }
            try (Node n = b.build().start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 12);

                assertThat(n.parts().membership().mostDialsInFlight()).isEqualTo(3);
                assertThat(n.limitsReached().get(Limit.CONCURRENT_DIALS)).isPositive();
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void configuredOnlyRefusesAStrangerWithNotAdmittedAndAdmitsAConfiguredPeer() throws Exception {
        try (Node closed = Node.builder().id("closed").admission(AdmissionPolicy.CONFIGURED_ONLY)
                .peer("friend", "127.0.0.1", 1).build().start();
             RawPeer stranger = RawPeer.connect(closed)) {

            stranger.send(RawPeer.hello(1, NodeBuilder.DEFAULT_CLUSTER, "stranger", 42));

            Error error = stranger.readError();
            assertThat(error.getCode()).isEqualTo(Error.Code.CODE_NOT_ADMITTED);
            assertThat(error.getMessage()).contains("admits only its configured peers", "'stranger'");
            stranger.assertClosedByNode();

            try (Node friend = Node.builder().id("friend")
                    .peer("closed", "127.0.0.1", closed.localAddress().getPort()).build().start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> friend.peers().stream()
                        .anyMatch(p -> p.id().value().equals("closed") && p.state() == PeerState.UP));
            }
            assertThat(closed.peers()).extracting(p -> p.id().value()).containsExactly("friend");
        }
    }

    /** A node that dialled in, unconfigured, and went away is forgotten after the forget time, with an event. */
    @Test
    void aPeerThatDialledInAndWentAwayIsForgottenAfterTheForgetTime() {
        List<PeerEvent> events = new CopyOnWriteArrayList<>();
        try (Node hub = Node.builder().id("hub").forgetUnreachableAfter(Duration.ofMillis(300))
                .onPeerEvent(events::add).build().start()) {
            try (Node visitor = Node.builder().id("visitor")
                    .peer("hub", "127.0.0.1", hub.localAddress().getPort()).build().start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.state() == PeerState.UP));
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> hub.peers().isEmpty());
            assertThat(events).extracting(PeerEvent::state).endsWith(PeerState.FORGOTTEN);
        }
    }
}
