package io.parley.messaging;

/** Which way a stored message went, seen from the node that stores it. */
public enum Direction {
    /** This node sent it. */
    SENT,
    /** This node received it. */
    RECEIVED
}
