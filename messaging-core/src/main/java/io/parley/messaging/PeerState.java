package io.parley.messaging;

/**
 * How this node sees a peer. A peer moves UP → SUSPECT → DOWN → UP as its connection and the failure detector
 * judge it, and to LEFT when it says Goodbye; a peer that was not configured and stays DOWN or LEFT for too long
 * is FORGOTTEN. Every change is reported to the {@link PeerListener}.
 */
public enum PeerState {
    /** A connection to the peer is open, its handshake completed, and the peer is heard from as expected. */
    UP,
    /**
     * The connection is still open, but the peer has been silent for longer than its heartbeats make likely: the
     * failure detector's suspicion (phi) reached {@link FailureDetection#suspectThreshold()}. Messages still go out
     * on the connection. The peer is UP again as soon as it is heard from, or DOWN once phi reaches
     * {@link FailureDetection#downThreshold()} and the connection is closed.
     */
    SUSPECT,
    /**
     * No connection is open, because it failed, the failure detector judged the peer down, or none was made yet;
     * the node keeps dialling the peer when it knows its address. Messages for it wait until it is UP again.
     */
    DOWN,
    /** The peer said Goodbye: it shut down on purpose. It becomes UP again when it returns. */
    LEFT,
    /**
     * The last state of a peer that was learnt (from gossip, a seed, a DNS name or its own connection), never
     * configured, and stayed DOWN or LEFT for {@link NodeBuilder#forgetUnreachableAfter} with no message waiting
     * for it: the node stopped dialling it and removed it from {@link Node#peers()}, and stale gossip cannot add it
     * back for a while. It is known again, with a new UP event, when it connects to this node itself (or a seed or
     * DNS name leads to it). Reported once, as the peer's last event.
     */
    FORGOTTEN
}
