package io.parley.messaging;

/** Too many messages already wait for a peer ({@link Limits#maxQueuedPerPeer()}); retry later. */
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
