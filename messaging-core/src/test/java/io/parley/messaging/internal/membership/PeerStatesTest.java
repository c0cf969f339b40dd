package io.parley.messaging.internal.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.parley.messaging.FailureDetection;
import io.parley.messaging.Limits;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerEvent;
import io.parley.messaging.PeerListener;
import io.parley.messaging.PeerState;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.transport.Admission;
import io.parley.messaging.internal.transport.ChannelSettings;
import io.parley.messaging.internal.transport.HandshakeEvents;
import io.parley.messaging.internal.transport.PeerHello;
import io.parley.messaging.internal.transport.Ports;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.internal.transport.Transport;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.store.InMemoryMessageStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a peer's connections move its state, by direct calls: membership wired as {@link Membership} wires it, with
 * a real {@link Delivery} (its store thread never started), streams on an {@link EmbeddedChannel}'s loop and
 * sessions on EmbeddedChannels. Only the last test, about the thread a dial is made on, uses a real event loop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerStatesTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");

    private final InMemoryMessageStore store = new InMemoryMessageStore();
    private final EmbeddedChannel streamsLoop = new EmbeddedChannel();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final SelfAddress selfAddress = new SelfAddress(() -> "self.example:7000", () -> null);
    private final Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 0);

    /** What the listener saw: each event, and whether the peer's lock was held while it ran. */
    private record Heard(PeerEvent event, boolean underPeerLock) {
    }

    private final List<Heard> heard = new ArrayList<>();
    private PeerTable table;
    private PeerStates states;

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        streamsLoop.finishAndReleaseAll();
    }

    /**
     * Regression (issue 12, item 5): peer events used to be handed to the listener's executor while the peer's
     * monitor was held, so a listener on a direct executor ran under Parley's lock (and one that asked the node
     * about peers from another thread could deadlock with it).
     */
    @Test
    void aListenerOnADirectExecutorIsNeverCalledUnderThePeersLock() {
        build(Runnable::run);
        Peer peer = table.getOrAdd(PEER, null, null);
        Session session = current(peer);

        states.established(session);
        states.suspected(session, "silent (test)");
        states.recovered(session);
        states.closed(session);

        assertThat(heard).extracting(h -> h.event().previous() + ">" + h.event().state())
                .containsExactly("DOWN>UP", "UP>SUSPECT", "SUSPECT>UP", "UP>DOWN");
        assertThat(heard).as("called holding the peer's monitor").noneMatch(Heard::underPeerLock);
    }

    @Test
    void aListenerOnADirectExecutorIsNotCalledUnderThePeersLockWhenItSaysGoodbye() {
        build(Runnable::run);
        Peer peer = table.getOrAdd(PEER, null, null);
        Session session = current(peer);
        states.established(session);

        states.goodbye(session, "shutting down (test)");
        states.closed(session);

        assertThat(heard).extracting(h -> h.event().state()).containsExactly(PeerState.UP, PeerState.LEFT);
        assertThat(heard).noneMatch(Heard::underPeerLock);
        assertThat(peer.info().state()).as("a peer that left stays LEFT when its connection closes").isEqualTo(PeerState.LEFT);
    }

    @Test
    void anEstablishedSessionIsHandedToItsStreamWhichMovesToItsLoop() {
        build(Runnable::run);
        Peer peer = table.getOrAdd(PEER, null, null);
        Session session = current(peer);

        states.established(session);

        assertThat(peer.sessionsEstablished).isEqualTo(1);
        assertThat(peer.stream.loop()).isSameAs(session.channel().eventLoop());
        assertThat(peer.info().state()).isEqualTo(PeerState.UP);
    }

    @Test
    void aSessionThatIsNoLongerCurrentMovesNothing() {
        build(Runnable::run);
        Peer peer = table.getOrAdd(PEER, null, null);
        Session replaced = current(peer);
        Session session = current(peer);

        states.established(replaced);
        states.established(session);
        states.closed(replaced);

        assertThat(heard).extracting(h -> h.event().state()).containsExactly(PeerState.UP);
        assertThat(peer.sessionsEstablished).as("only the current one handed to delivery").isEqualTo(1);
        assertThat(peer.currentSession()).isSameAs(session);
    }

    /** A dial can take long (it registers a channel and starts resolving a name); the peer's lock is not held. */
    @Test
    void theDialerDialsOutsideThePeersLock() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<Peer> dialled = new CompletableFuture<>();
            CompletableFuture<Boolean> lockHeld = new CompletableFuture<>();
            CompletableFuture<Boolean> duringDial = new CompletableFuture<>();
            // The transport resolves the peer's host name on this executor, from inside Transport.dial.
            Executor resolver = lookup -> {
                Peer p = dialled.getNow(null);
                if (p != null && !lockHeld.isDone()) {
                    lockHeld.complete(Thread.holdsLock(p));
                    synchronized (p) {
                        duringDial.complete(p.dialling); // set for exactly as long as Transport.dial runs
                    }
                }
                lookup.run();
            };
            Delivery delivery = delivery(Runnable::run);
            table = new PeerTable(SELF, group, delivery, Bounds.defaults(new LimitCounters()));
            Dialer dialer = new Dialer(table, selfAddress, backoff, Duration.ofSeconds(1), new DialSlots(32, new LimitCounters()));
            Peer peer = table.getOrAdd(PEER, new PeerAddress(PEER, "127.0.0.1", 1), AddressSource.CONFIGURED);
            dialled.complete(peer);
            Transport transport = new Transport(channelSettings(), new Ports(new NoHandshakes(),
                    new PeerStates(table, delivery, dialer, new Gossiper(table, dialer, selfAddress, Duration.ofSeconds(1)),
                            new PeerEventDispatcher(SELF, null, null, WallClock.system())), delivery), group, resolver);

            dialer.start(transport);

            assertThat(duringDial).as("the name resolved from inside the dial").succeedsWithin(Duration.ofSeconds(10))
                    .isEqualTo(true);
            assertThat(lockHeld).succeedsWithin(Duration.ofSeconds(10)).as("the peer's lock held during the dial")
                    .isEqualTo(false);
            table.beginClose();
            transport.closeAll();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    // ---- wiring, as Membership does it

    private void build(Executor listenerExecutor) {
        Delivery delivery = delivery(Runnable::run);
        table = new PeerTable(SELF, streamsLoop.eventLoop(), delivery, Bounds.defaults(new LimitCounters()));
        Dialer dialer = new Dialer(table, selfAddress, backoff, Duration.ofSeconds(1), new DialSlots(32, new LimitCounters()));
        Gossiper gossiper = new Gossiper(table, dialer, selfAddress, Duration.ofSeconds(1));
        PeerListener listener = event -> heard.add(new Heard(event, Thread.holdsLock(table.get(event.peer()))));
        states = new PeerStates(table, delivery, dialer, gossiper,
                new PeerEventDispatcher(SELF, listener, listenerExecutor, WallClock.system()));
    }

    private Delivery delivery(Executor receipts) {
        store.open(SELF);
        return new Delivery(new Delivery.Settings(SELF, store, new HybridLogicalClock(WallClock.system()),
                WallClock.system(), receipts, null, Runnable::run, Thread::new, 16, 100, 100,
                Limits.DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER, Limits.DEFAULT_MAX_BODY_BYTES_IN_MEMORY, new LimitCounters()));
    }

    /** A new session made the peer's current connection, as Admissions does once it wins the tie-break. */
    private Session current(Peer peer) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        Session s = new Session(PEER, 7, ch, true, "");
        synchronized (peer) {
            peer.session = s;
        }
        return s;
    }

    private static ChannelSettings channelSettings() {
        return new ChannelSettings(SELF, "test-cluster", 1, () -> "self.example:7000", WallClock.system(),
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Limits.builder().maxFrameBytes(4096).maxPayloadBytes(3072).build(), FailureDetection.DEFAULT, null,
                new LimitCounters(), null);
    }

    /** Handshake events for a dial that is refused before any handshake. */
    private static final class NoHandshakes implements HandshakeEvents {
        @Override
        public Admission admit(PeerHello hello, Channel channel) {
            throw new AssertionError("no connection is accepted in this test");
        }

        @Override
        public Admission confirm(PeerHello welcome, Channel channel) {
            throw new AssertionError("no handshake completes in this test");
        }

        @Override
        public void dialFailed(NodeId peer, Channel channel, Error.Code code, String reason) {
        }

        @Override
        public List<Member> members() {
            return List.of();
        }

        @Override
        public void established(Session session) {
        }
    }
}
