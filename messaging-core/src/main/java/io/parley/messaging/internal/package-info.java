/**
 * Parley's internals: transport, delivery and membership. Nothing here is public API; it may change in any
 * release.
 */
package io.parley.messaging.internal;
