package io.parley.messaging;

/** Base of every exception Parley throws or fails a future with. */
public class MessagingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public MessagingException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public MessagingException(String message, Throwable cause) {
        super(message, cause);
    }
}
