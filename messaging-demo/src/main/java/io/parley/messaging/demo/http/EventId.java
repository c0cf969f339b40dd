package io.parley.messaging.demo.http;

import io.parley.messaging.NodeId;
import java.util.UUID;

/**
 * The {@code id:} of an event on {@code GET /events}: the store row it is about, {@code NODE/PEER/MESSAGE-ID} (the node
 * whose store holds the row, the peer of the row, the message's UUID); {@code 0} is the position before every row. A
 * client that reconnects with it as {@code Last-Event-ID} gets the rows after that one replayed ({@link Replay}).
 */
record EventId(NodeId node, NodeId peer, UUID message) {

    /** The position before every row: a stream of an empty store starts there. */
    static final String START = "0";

    /**
     * Parses an id this API gave.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong
     */
    static EventId parse(String text) {
        String[] parts = text.trim().split("/", -1);
        if (parts.length != 3 || !NodeId.isValid(parts[0]) || !NodeId.isValid(parts[1])) {
            throw new IllegalArgumentException("Last-Event-ID '" + text + "' is not an event id of this API (NODE/PEER/MESSAGE-ID, or 0)");
        }
        try {
            return new EventId(new NodeId(parts[0]), new NodeId(parts[1]), UUID.fromString(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Last-Event-ID '" + text + "' does not end in a message id (a UUID)");
        }
    }

    @Override
    public String toString() {
        return node.value() + "/" + peer.value() + "/" + message;
    }
}
