package io.parley.messaging.internal.membership;

/**
 * Where the address a node dials a peer at came from, in rising order of trust. An address is replaced only by one
 * from a source at least as trusted, and gossip never replaces a known address: the peer's own word (its Hello)
 * beats hearsay, and what the user configured beats both, since it may be the only route (a proxy, a NAT) to a
 * peer that advertises another one.
 */
enum AddressSource {
    /** Another node named it in a Hello, Welcome or Gossip. */
    GOSSIP,
    /** A DNS name used for discovery resolved to it, and the node there said who it is. */
    DISCOVERED,
    /** The peer advertised it itself in its Hello. */
    SELF_REPORTED,
    /** The user gave it: a static peer, {@code Node.addPeer}, or a seed that answered with the peer's id. */
    CONFIGURED;

    /** Whether an address from this source replaces {@code current}'s (null: there is none). */
    boolean mayReplace(AddressSource current) {
        return current == null || (this != GOSSIP && compareTo(current) >= 0);
    }
}
