package io.parley.messaging.internal.delivery;

import io.parley.messaging.internal.transport.Session;

/**
 * Where an outbound stream's current connection stands in its Resume exchange. Nothing goes out on a connection
 * before both Resumes are through: the peer's has arrived (it tells how far the peer holds the stream), and this
 * node's own is on the wire (the stream writes it, once the store thread has made it, and its Envelopes after it). Sessions are numbered in
 * the order membership made them current; an older one never takes the place of a newer one, however their
 * attaches reach the stream.
 *
 * <p>Owned by the stream's home loop.
 */
final class ResumeState {

    private Session session;
    private long generation;
    private boolean peerResumed;
    private boolean ownResumeSent;
    private long settledFloor;

    /**
     * Takes {@code s} as the current connection, unless a newer one is attached already or it is closed.
     *
     * @param settledFloor how far the stream is settled, as this node's Resume on it says
     * @return whether it was taken
     */
    boolean attach(Session s, long sessionGeneration, long settledFloor) {
        if (sessionGeneration <= generation || !s.isActive()) {
            return false;
        }
        generation = sessionGeneration;
        session = s;
        peerResumed = false;
        ownResumeSent = false;
        this.settledFloor = settledFloor;
        return true;
    }

    /** Whether {@code s} is the current connection. */
    boolean isCurrent(Session s) {
        return s != null && s == session;
    }

    /** The peer's Resume arrived on the current connection. */
    void peerResumed() {
        peerResumed = true;
    }

    /** Whether the peer's Resume arrived on the current connection. */
    boolean hasPeerResumed() {
        return peerResumed;
    }

    /** This node's Resume was written on the current connection. */
    void ownResumeSent() {
        ownResumeSent = true;
    }

    /** How far the stream was settled when this node's Resume on the current connection was made. */
    long settledFloor() {
        return settledFloor;
    }

    /** {@code s} closed: if it is the current connection, there is none now. */
    boolean detach(Session s) {
        if (s != session) {
            return false;
        }
        end();
        return true;
    }

    /** No connection is current. */
    void end() {
        session = null;
        peerResumed = false;
        ownResumeSent = false;
    }

    /** The connection to send on: the current one, once both Resumes are through, while it is open; else null. */
    Session ready() {
        Session s = session;
        return s != null && peerResumed && ownResumeSent && s.channel().isActive() ? s : null;
    }
}
