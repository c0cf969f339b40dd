package io.parley.messaging.internal.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.proto.v1.Member;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Merging gossip: which members are taken, and which address wins. */
class AddressSourceTest {

    private static final NodeId SELF = new NodeId("self");

    private static Member member(String id, String address) {
        return Member.newBuilder().setNodeId(id).setAdvertisedAddress(address).build();
    }

    @Test
    void usableMembersSkipThisNodeBadIdsBadAddressesRepeatsAndOwnAddresses() {
        List<PeerAddress> usable = Members.usable(List.of(
                member("a", "10.0.0.1:7000"),
                member("self", "10.0.0.9:7000"),          // this node's id
                member("bad id!", "10.0.0.2:7000"),       // not a node id
                member("b", "no-port"),                   // not host:port
                member("c", "10.0.0.3:0"),                // port 0 cannot be dialled
                member("a", "10.0.0.4:7000"),             // a again: the first entry wins
                member("d", "[::1]:7001"),
                member("e", "me.example:7000")),          // an address of this node's
                SELF, hostPort -> hostPort.equals("me.example:7000"));

        assertThat(usable).containsExactly(
                new PeerAddress(new NodeId("a"), "10.0.0.1", 7000),
                new PeerAddress(new NodeId("d"), "::1", 7001));
    }

    @Test
    void usableMembersAreCappedPerFrame() {
        List<Member> many = new java.util.ArrayList<>();
        for (int i = 0; i < Members.MAX_PER_FRAME + 10; i++) {
            many.add(member("n" + i, "10.0.0.1:" + (1000 + i)));
        }
        assertThat(Members.usable(many, SELF, h -> false)).hasSize(Members.MAX_PER_FRAME);
    }

    @Test
    void gossipNeverMovesAKnownAddressButFillsAMissingOne() {
        assertThat(AddressSource.GOSSIP.mayReplace(null)).isTrue();
        for (AddressSource current : AddressSource.values()) {
            assertThat(AddressSource.GOSSIP.mayReplace(current)).as("gossip over %s", current).isFalse();
        }
    }

    @Test
    void anAddressIsReplacedOnlyFromASourceAtLeastAsTrusted() {
        assertThat(AddressSource.SELF_REPORTED.mayReplace(AddressSource.GOSSIP)).isTrue();
        assertThat(AddressSource.SELF_REPORTED.mayReplace(AddressSource.DISCOVERED)).isTrue();
        assertThat(AddressSource.SELF_REPORTED.mayReplace(AddressSource.SELF_REPORTED)).as("a restart on a new port").isTrue();
        assertThat(AddressSource.SELF_REPORTED.mayReplace(AddressSource.CONFIGURED)).as("a proxy the user set up").isFalse();
        assertThat(AddressSource.DISCOVERED.mayReplace(AddressSource.SELF_REPORTED)).isFalse();
        assertThat(AddressSource.CONFIGURED.mayReplace(AddressSource.CONFIGURED)).as("Node.addPeer moves a peer").isTrue();
    }

    @Test
    void peerTakesAnOfferedAddressByTheSameRule() {
        Peer p = new Peer(new NodeId("a"), null, null, null);
        PeerAddress gossiped = new PeerAddress(new NodeId("a"), "10.0.0.1", 7000);
        PeerAddress own = new PeerAddress(new NodeId("a"), "10.0.0.2", 7000);

        synchronized (p) {
            assertThat(p.offerAddress(gossiped, AddressSource.GOSSIP)).isTrue();
            assertThat(p.offerAddress(own, AddressSource.GOSSIP)).isFalse();
            assertThat(p.offerAddress(own, AddressSource.SELF_REPORTED)).isTrue();
            assertThat(p.offerAddress(gossiped, AddressSource.GOSSIP)).isFalse();
            assertThat(p.address).isEqualTo(own);
            assertThat(p.source).isEqualTo(AddressSource.SELF_REPORTED);
            assertThat(p.offerAddress(own, AddressSource.CONFIGURED)).as("same address, better source").isFalse();
            assertThat(p.source).isEqualTo(AddressSource.CONFIGURED);
        }
    }
}
