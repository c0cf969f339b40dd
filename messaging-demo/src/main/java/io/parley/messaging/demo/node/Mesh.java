package io.parley.messaging.demo.node;

import io.parley.messaging.Node;
import io.parley.messaging.PeerState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The wait, before a console opens or a benchmark runs, until nodes started together are all connected. */
public final class Mesh {

    /** How long the nodes have to connect to each other. */
    private static final Duration MESH_TIMEOUT = Duration.ofSeconds(15);

    private Mesh() {
    }

    /**
     * Waits until every node has every other UP, so the first command finds them connected.
     *
     * @throws DemoException if they are not all connected within 15 s
     */
    public static void await(List<Node> cluster) {
        long deadline = System.nanoTime() + MESH_TIMEOUT.toNanos();
        while (!cluster.stream().allMatch(n -> n.peers().size() == cluster.size() - 1
                && n.peers().stream().allMatch(p -> p.state() == PeerState.UP))) {
            if (System.nanoTime() > deadline) {
                throw new DemoException("the nodes did not all connect within " + MESH_TIMEOUT.toSeconds() + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
