package io.parley.messaging.internal.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.AdmissionPolicy;
import io.parley.messaging.Limit;
import io.parley.messaging.Limits;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.PeerEvent;
import io.parley.messaging.PeerState;
import io.parley.messaging.clock.HybridLogicalClock;
import io.parley.messaging.clock.WallClock;
import io.parley.messaging.internal.LimitCounters;
import io.parley.messaging.internal.delivery.Delivery;
import io.parley.messaging.internal.transport.Admission;
import io.parley.messaging.internal.transport.PeerHello;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Gossip;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.store.InMemoryMessageStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Membership's bounds, by direct calls on a {@link Membership} that is never started (so nothing is dialled),
 * with a real {@link Delivery} whose store thread never runs, sessions on EmbeddedChannels and a hand-moved
 * monotonic clock: how many peers it knows, how many new ones a frame may add, when it forgets them, what a
 * tombstone stops, whose gossip it takes and whom it admits.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoundedMembershipTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final Duration FORGET_AFTER = Duration.ofMinutes(5);

    private final InMemoryMessageStore store = new InMemoryMessageStore();
    private final EmbeddedChannel streamsLoop = new EmbeddedChannel();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final LimitCounters counters = new LimitCounters();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<PeerEvent> events = new ArrayList<>();
    private Delivery delivery;
    private Membership membership;

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        streamsLoop.finishAndReleaseAll();
    }

    // ---- how many peers, how many new ones per frame

    @Test
    void aHelloNaming200000MembersAddsAtMostMaxNewMembersPerFrame() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);

        Admission a = hello("big", false, members("bogus", 200_000));

        assertThat(a.admitted()).isTrue();
        assertThat(membership.size()).as("the sender and at most 16 of the members it named")
                .isEqualTo(1 + Limits.DEFAULT_MAX_NEW_MEMBERS_PER_FRAME);
        assertThat(counters.count(Limit.NEW_MEMBERS_PER_FRAME)).isEqualTo(1);
    }

    @Test
    void gossipNaming200000MembersAddsAtMostMaxNewMembersPerFrameEachAndNeverMoreThanMaxMembers() {
        build(Limits.builder().maxMembers(100).maxNewMembersPerFrame(16).build(), AdmissionPolicy.OPEN, false);
        Session from = session(hello("gossiper", false, List.of()));

        for (int round = 0; round < 20; round++) {
            membership.events().gossip(from, Gossip.newBuilder().addAllMembers(members("r" + round + "-", 200_000)).build());
        }

        assertThat(membership.size()).isEqualTo(100);
        assertThat(counters.count(Limit.NEW_MEMBERS_PER_FRAME)).as("the six frames that filled it 16 at a time")
                .isEqualTo(6);
        assertThat(counters.count(Limit.MEMBERS)).as("the 14 frames that found it full, once each").isEqualTo(14);
    }

    @Test
    void gossipNeverGivesAnAddressForThisNodesOwnId() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);

        hello("peer", false, List.of(member(SELF.value(), "10.0.0.9:7000")));

        assertThat(membership.ids()).containsExactly(NodeId.of("peer"));
    }

    @Test
    void threeThousandHellosWithFreshIdsLeaveAtMostMaxMembersPeersButConfiguredOnesAreAlwaysAdded() {
        build(Limits.builder().maxMembers(100).build(), AdmissionPolicy.OPEN, false);
        membership.add(PeerAddress.parse("configured-1=10.0.0.1:7000"));

        List<Admission> answers = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            answers.add(hello("fresh-" + i, false, List.of()));
        }
        membership.add(PeerAddress.parse("configured-2=10.0.0.2:7000"));

        assertThat(answers.stream().filter(Admission::admitted)).hasSize(99);
        Admission refused = answers.get(2999);
        assertThat(refused.code()).isEqualTo(Error.Code.CODE_NOT_ADMITTED);
        assertThat(refused.reason()).contains("knows 100 peers", "'fresh-2999' is not admitted");
        assertThat(counters.count(Limit.MEMBERS)).isEqualTo(2901);
        assertThat(membership.size()).as("configured peers past the bound are still added").isEqualTo(101);
        assertThat(membership.ids()).contains(NodeId.of("configured-1"), NodeId.of("configured-2"));
        assertThat(hello("configured-2", false, List.of()).admitted()).as("and admitted when they connect").isTrue();
    }

    // ---- forgetting

    @Test
    void aLearntPeerUnreachableForTheForgetTimeIsForgottenButAConfiguredOneIsNot() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);
        membership.add(PeerAddress.parse("configured=10.0.0.1:7000"));
        hello("peer", false, List.of(member("learnt", "10.0.0.2:7000")));

        advance(FORGET_AFTER.minusSeconds(1));
        assertThat(membership.forgetUnreachable()).isZero();
        advance(Duration.ofSeconds(1));
        assertThat(membership.forgetUnreachable()).isEqualTo(1);

        assertThat(membership.ids()).containsExactly(NodeId.of("configured"), NodeId.of("peer"));
        assertThat(events).extracting(e -> e.peer().value() + " " + e.previous() + ">" + e.state())
                .containsExactly("peer DOWN>UP", "learnt DOWN>FORGOTTEN");
        assertThat(delivery.stream(NodeId.of("learnt"))).as("its unused stream is gone too").isNull();
    }

    @Test
    void aPeerIsForgottenOnlyAfterItsLastConnectionHasBeenClosedForTheForgetTime() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);
        Session s = session(hello("peer", false, List.of()));
        advance(FORGET_AFTER.multipliedBy(3));
        assertThat(membership.forgetUnreachable()).as("connected").isZero();

        membership.events().closed(s);
        advance(FORGET_AFTER.minusSeconds(1));
        assertThat(membership.forgetUnreachable()).isZero();
        advance(Duration.ofSeconds(1));

        assertThat(membership.forgetUnreachable()).isEqualTo(1);
        assertThat(membership.ids()).isEmpty();
    }

    @Test
    void aPeerWithMessagesWaitingIsNotForgotten() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);
        hello("peer", false, List.of(member("learnt", "10.0.0.2:7000")));
        NodeId learnt = NodeId.of("learnt");
        delivery.stream(learnt).send(1, seq -> new Message(java.util.UUID.randomUUID(), SELF, learnt,
                io.parley.messaging.Direction.SENT, io.parley.messaging.DeliveryStatus.PENDING, 1, seq, 1,
                Message.UNKNOWN_TIME, new io.parley.messaging.clock.HybridTimestamp(1, 0), Message.NEVER, new byte[] {1}));

        advance(FORGET_AFTER.multipliedBy(10));

        assertThat(membership.forgetUnreachable()).isZero();
        assertThat(membership.ids()).contains(learnt);
    }

    @Test
    void aTombstoneKeepsGossipFromAddingAForgottenPeerBackUntilItRunsOut() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);
        Session from = session(hello("peer", false, List.of(member("learnt", "10.0.0.2:7000"))));
        advance(FORGET_AFTER);
        membership.forgetUnreachable();

        membership.events().gossip(from, gossip(member("learnt", "10.0.0.2:7000")));
        assertThat(membership.knows(NodeId.of("learnt"))).as("tombstoned").isFalse();

        advance(FORGET_AFTER.multipliedBy(2));
        membership.events().gossip(from, gossip(member("learnt", "10.0.0.2:7000")));
        assertThat(membership.knows(NodeId.of("learnt"))).as("after twice the forget time").isTrue();
    }

    @Test
    void aForgottenPeerThatConnectsItselfIsAdmittedAtOnce() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);
        hello("peer", false, List.of(member("learnt", "10.0.0.2:7000")));
        advance(FORGET_AFTER);
        membership.forgetUnreachable();

        assertThat(hello("learnt", false, List.of()).admitted()).isTrue();

        assertThat(membership.knows(NodeId.of("learnt"))).isTrue();
    }

    // ---- whose gossip, whom admitted

    @Test
    void whenPeersAreAuthenticatedGossipFromAnUnauthenticatedSessionIsIgnored() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, true);

        Session plain = session(hello("plain", false, List.of(member("a", "10.0.0.1:7000"))));
        membership.events().gossip(plain, gossip(member("b", "10.0.0.2:7000")));
        assertThat(membership.ids()).containsExactly(NodeId.of("plain"));

        Session proven = session(hello("proven", true, List.of(member("c", "10.0.0.3:7000"))));
        membership.events().gossip(proven, gossip(member("d", "10.0.0.4:7000")));
        assertThat(membership.ids()).extracting(NodeId::value).containsExactly("c", "d", "plain", "proven");
    }

    @Test
    void withoutAuthenticationGossipFromEverySessionIsTaken() {
        build(Limits.DEFAULT, AdmissionPolicy.OPEN, false);

        Session plain = session(hello("plain", false, List.of(member("a", "10.0.0.1:7000"))));
        membership.events().gossip(plain, gossip(member("b", "10.0.0.2:7000")));

        assertThat(membership.ids()).extracting(NodeId::value).containsExactly("a", "b", "plain");
    }

    @Test
    void configuredOnlyRefusesAStrangerAndIgnoresGossipAboutOne() {
        build(Limits.DEFAULT, AdmissionPolicy.CONFIGURED_ONLY, false);
        membership.add(PeerAddress.parse("friend=10.0.0.1:7000"));

        Admission stranger = hello("stranger", false, List.of());
        Admission friend = hello("friend", false, List.of(member("other", "10.0.0.2:7000")));

        assertThat(stranger.admitted()).isFalse();
        assertThat(stranger.code()).isEqualTo(Error.Code.CODE_NOT_ADMITTED);
        assertThat(stranger.reason()).contains("admits only its configured peers", "'stranger'");
        assertThat(friend.admitted()).isTrue();
        assertThat(membership.ids()).containsExactly(NodeId.of("friend"));
    }

    // ---- wiring

    private void build(Limits limits, AdmissionPolicy admission, boolean authenticate) {
        store.open(SELF);
        delivery = new Delivery(new Delivery.Settings(SELF, store, new HybridLogicalClock(WallClock.system()),
                WallClock.system(), Runnable::run, null, Runnable::run, Thread::new, 16, 100, 100,
                Limits.DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER, Limits.DEFAULT_MAX_BODY_BYTES_IN_MEMORY, counters));
        Bounds bounds = Bounds.of(limits, FORGET_AFTER, admission, authenticate, counters).withClock(now::get);
        membership = new Membership(new Membership.Settings(SELF, 1, streamsLoop.eventLoop(),
                new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 0), Duration.ofSeconds(1), Duration.ofSeconds(1),
                () -> "self.example:7000", () -> new InetSocketAddress("127.0.0.1", 7000), bounds), delivery,
                new PeerEventDispatcher(SELF, events::add, Runnable::run, WallClock.system()));
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    /** {@code id} dials in and says Hello naming {@code members}; {@code proven}: its identity was authenticated. */
    private Admission hello(String id, boolean proven, List<Member> members) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        PeerHello h = new PeerHello(NodeId.of(id), 7, "", 0, members);
        Admission a = membership.handshakeEvents().admit(proven ? h.proven() : h, ch);
        if (a.admitted()) {
            membership.handshakeEvents().established(a.session());
        }
        return a;
    }

    private static Session session(Admission a) {
        assertThat(a.admitted()).isTrue();
        return a.session();
    }

    private static List<Member> members(String prefix, int n) {
        List<Member> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(member(prefix + i, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":7000"));
        }
        return out;
    }

    private static Member member(String id, String hostPort) {
        return Member.newBuilder().setNodeId(id).setAdvertisedAddress(hostPort).build();
    }

    private static Gossip gossip(Member... members) {
        return Gossip.newBuilder().addAllMembers(List.of(members)).build();
    }
}
