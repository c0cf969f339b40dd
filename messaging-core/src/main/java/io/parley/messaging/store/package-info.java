/**
 * Message stores: the {@link io.parley.messaging.store.MessageStore} service-provider interface, called in
 * batches from each node's store thread; {@link io.parley.messaging.store.InMemoryMessageStore}, the default,
 * which keeps messages in the heap; and {@link io.parley.messaging.store.SqliteMessageStore}, which keeps them
 * durably in one SQLite file per node (it needs the optional dependency {@code org.xerial:sqlite-jdbc}).
 */
package io.parley.messaging.store;
