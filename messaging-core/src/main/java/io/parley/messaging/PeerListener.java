package io.parley.messaging;

/**
 * Receives every change of a peer's {@link PeerState}, registered with {@link NodeBuilder#onPeerEvent}.
 *
 * <p>Calls are made one at a time, in the order the changes happened, on the peer event executor (by default a
 * thread of the node's own; see {@link NodeBuilder#peerEventExecutor}), never on a network thread. A listener may
 * block for a while, holding back only later peer events; an exception it throws is logged and the next event is
 * delivered as usual.
 */
@FunctionalInterface
public interface PeerListener {

    /** One peer changed state. */
    void onPeerEvent(PeerEvent event);
}
