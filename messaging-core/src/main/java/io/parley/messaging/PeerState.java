package io.parley.messaging;

/** How this node sees a peer. */
public enum PeerState {
    /** A connection to the peer is open and its handshake completed. */
    UP,
    /** No connection is open; the node keeps dialling it when it knows the peer's address. */
    DOWN,
    /** The peer said Goodbye: it shut down on purpose. It becomes UP again when it returns. */
    LEFT
}
