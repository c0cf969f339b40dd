package io.parley.messaging.internal.membership;

import io.parley.messaging.NodeId;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ids the node forgot lately, each until a deadline, so that stale gossip naming them does not add them back at
 * once. Bounded: past {@code capacity} the oldest tombstone goes first (gossip may then bring that id back, and
 * the node forgets it again later). Only gossip is stopped by a tombstone; a real connection from the id, or
 * configuring it, removes it.
 *
 * <p>Thread-safe: every method holds this object's monitor, briefly.
 */
final class Tombstones {

    private final int capacity;
    private final LinkedHashMap<NodeId, Long> until = new LinkedHashMap<>();

    Tombstones(int capacity) {
        this.capacity = capacity;
    }

    /** Keeps gossip from adding {@code id} back until {@code deadlineNanos}. */
    synchronized void add(NodeId id, long deadlineNanos) {
        until.remove(id);
        until.put(id, deadlineNanos);
        Iterator<Map.Entry<NodeId, Long>> oldest = until.entrySet().iterator();
        while (until.size() > capacity) {
            oldest.next();
            oldest.remove();
        }
    }

    /** Whether gossip about {@code id} is ignored at {@code nowNanos}; drops a tombstone that ran out. */
    synchronized boolean blocks(NodeId id, long nowNanos) {
        Long deadline = until.get(id);
        if (deadline == null) {
            return false;
        }
        if (nowNanos - deadline >= 0) {
            until.remove(id);
            return false;
        }
        return true;
    }

    synchronized void remove(NodeId id) {
        until.remove(id);
    }

    synchronized int size() {
        return until.size();
    }
}
