package io.parley.messaging;

/**
 * Too many messages already wait: for one peer ({@link Limits#maxUnacknowledgedPerPeer(boolean)}), or for the
 * node's store to write them (65,536 over all peers). Nothing was sent or stored; retry later.
 */
public class BackpressureException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public BackpressureException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public BackpressureException(String message, Throwable cause) {
        super(message, cause);
    }
}
