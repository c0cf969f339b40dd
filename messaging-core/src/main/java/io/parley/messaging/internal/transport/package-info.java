/**
 * The Netty transport: the channel pipeline with one handler per concern, the handshake, and the bootstrap.
 * Handler names and order are in {@link io.parley.messaging.internal.transport.PipelineNames}. Internal: may
 * change in any release.
 */
package io.parley.messaging.internal.transport;
