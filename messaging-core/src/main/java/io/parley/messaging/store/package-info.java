/**
 * Message stores: the {@link io.parley.messaging.store.MessageStore} service-provider interface, called in
 * batches from each node's store thread, and {@link io.parley.messaging.store.InMemoryMessageStore}.
 */
package io.parley.messaging.store;
