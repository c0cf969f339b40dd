package io.parley.messaging.store;

/** The store contract, run against the store in the heap. */
class InMemoryMessageStoreTest extends MessageStoreContractTest {

    @Override
    protected MessageStore newStore() {
        return new InMemoryMessageStore();
    }
}
