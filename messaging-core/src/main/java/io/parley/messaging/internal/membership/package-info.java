/**
 * Membership: the table of known peers and which connection to each is kept (with the tie-break when two nodes
 * dial each other at once), their states and the events reporting them, reconnecting with backoff, discovery
 * (static peers, seeds and DNS names dialled without a known id, gossip of members), recognising this node's own
 * addresses, and the phi accrual failure detector. Internal: may change in any release.
 */
package io.parley.messaging.internal.membership;
