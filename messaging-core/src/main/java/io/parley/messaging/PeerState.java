package io.parley.messaging;

/**
 * How this node sees a peer. A peer moves UP → SUSPECT → DOWN → UP as its connection and the failure detector
 * judge it, and to LEFT when it says Goodbye; every change is reported to the {@link PeerListener}.
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
    LEFT
}
