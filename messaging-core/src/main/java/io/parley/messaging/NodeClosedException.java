package io.parley.messaging;

/** The node is closed or closing, so the operation cannot be carried out. */
public class NodeClosedException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public NodeClosedException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public NodeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
