package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.store.InMemoryMessageStore;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A closed node holds nothing: one full collection after close() frees it and its store. (Executors' single
 * thread wrapper used to keep closed nodes, with every stored message, alive until its finalizer had run.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClosedNodeIsReleasedTest {

    @Test
    void closedNodesAndTheirStoresAreFreedByTheNextCollection() throws Exception {
        // Phantom, not weak, references: a weak one is cleared even while a finalizer still holds its object.
        ReferenceQueue<Object> freed = new ReferenceQueue<>();
        List<Reference<Object>> watched = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            exchangeAndClose(watched, freed);
        }
        System.gc(); // one full collection; what only a pending finalizer still reaches would survive it
        int count = 0;
        while (count < watched.size() && freed.remove(5_000) != null) {
            count++;
        }
        assertThat(count).as("closed nodes and stores freed by one collection").isEqualTo(watched.size());
    }

    private static void exchangeAndClose(List<Reference<Object>> watched, ReferenceQueue<Object> freed) throws Exception {
        InMemoryMessageStore storeA = new InMemoryMessageStore();
        InMemoryMessageStore storeB = new InMemoryMessageStore();
        Node a = Node.builder().id("a").store(storeA).onMessage(m -> { }).build().start();
        Node b = Node.builder().id("b").store(storeB).peer("a", "127.0.0.1", a.localAddress().getPort()).build().start();
        List<CompletableFuture<Receipt>> receipts = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            receipts.add(b.send("a", new byte[16]));
        }
        CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        b.close();
        a.close();
        for (Object o : List.of(a, b, storeA, storeB)) {
            watched.add(new PhantomReference<>(o, freed));
        }
    }
}
