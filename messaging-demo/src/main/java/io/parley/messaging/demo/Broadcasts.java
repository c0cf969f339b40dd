package io.parley.messaging.demo;

import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.Submission;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /all} and {@code POST /broadcast}: one text to every peer a node knows, UP or not.
 *
 * <p>A seam: the library this demo is built against has no {@code Node.broadcast} yet, so each peer gets a
 * {@code send} of its own, and so a message id of its own. When {@code Node.broadcast(byte[])} lands (one message id
 * for every copy, a receipt per peer), this class is the one place to switch to it.
 */
final class Broadcasts {

    private Broadcasts() {
    }

    /** Sends {@code text} to every peer {@code node} knows now; each peer's submission, in peer order (empty if none). */
    static Map<NodeId, Submission> toEveryPeer(DemoNode node, String text) {
        Map<NodeId, Submission> sent = new LinkedHashMap<>();
        for (PeerInfo peer : node.peers()) {
            sent.put(peer.id(), node.send(peer.id(), text));
        }
        return sent;
    }
}
