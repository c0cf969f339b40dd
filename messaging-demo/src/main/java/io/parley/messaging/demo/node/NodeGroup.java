package io.parley.messaging.demo.node;

import io.parley.messaging.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The nodes this process runs, in the order they started: what the console and the HTTP API serve. Thread-safe. */
public final class NodeGroup {

    private final List<DemoNode> nodes = new ArrayList<>();

    /** Adds a node that has started. */
    public synchronized void add(DemoNode node) {
        nodes.add(node);
    }

    /** The nodes now, in the order they started. */
    public synchronized List<DemoNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The node with this id, if this process runs it. */
    public synchronized Optional<DemoNode> node(NodeId id) {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /** The nodes' ids, {@code n1, n2, n3}. */
    public String ids() {
        return nodes().stream().map(n -> n.id().value()).collect(Collectors.joining(", "));
    }
}
