package io.parley.messaging.internal.membership;

import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.proto.v1.Member;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Reading gossip: the members another node named, checked one by one, since a peer's word is only a hint. */
final class Members {

    /** Most members taken from one Hello, Welcome or Gossip; the rest wait for another round. */
    static final int MAX_PER_FRAME = 4096;

    private Members() {
    }

    /**
     * The usable members of {@code members}: a valid id other than {@code self}, an address that parses as
     * {@code host:port} with a port from 1 to 65535 and that {@code isSelf} does not claim as this node's own, each
     * id once (the first wins), at most {@link #MAX_PER_FRAME}. Whatever else a peer sends is dropped silently: a
     * bad entry costs this node nothing.
     */
    static List<PeerAddress> usable(List<Member> members, NodeId self, Predicate<String> isSelf) {
        List<PeerAddress> out = new ArrayList<>(Math.min(members.size(), MAX_PER_FRAME));
        Set<String> seen = new HashSet<>();
        for (Member m : members) {
            if (out.size() == MAX_PER_FRAME) {
                break;
            }
            if (!NodeId.isValid(m.getNodeId()) || m.getNodeId().equals(self.value()) || !seen.add(m.getNodeId())) {
                continue;
            }
            PeerAddress address;
            try {
                address = PeerAddress.parse(m.getNodeId() + "=" + m.getAdvertisedAddress());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!isSelf.test(address.hostPort())) {
                out.add(address);
            }
        }
        return out;
    }

    /** {@code host:port}, with brackets around an IPv6 literal, as {@link PeerAddress#hostPort()} writes it. */
    static String hostPort(String host, int port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    static Member member(NodeId id, PeerAddress address) {
        return Member.newBuilder().setNodeId(id.value()).setAdvertisedAddress(address.hostPort()).build();
    }
}
