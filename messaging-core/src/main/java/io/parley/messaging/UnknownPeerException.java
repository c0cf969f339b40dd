package io.parley.messaging;

/** The peer named in a send is not one this node knows (not configured, never connected). */
public class UnknownPeerException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public UnknownPeerException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public UnknownPeerException(String message, Throwable cause) {
        super(message, cause);
    }
}
