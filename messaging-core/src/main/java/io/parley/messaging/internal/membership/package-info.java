/**
 * Membership: the table of known peers, which connection to each one is kept (with the tie-break when two
 * nodes dial each other at once), and reconnecting with backoff. Internal: may change in any release.
 */
package io.parley.messaging.internal.membership;
