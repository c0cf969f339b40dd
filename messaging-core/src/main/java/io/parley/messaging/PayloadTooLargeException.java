package io.parley.messaging;

/** A payload is larger than the node's {@link Limits#maxPayloadBytes()}. */
public class PayloadTooLargeException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public PayloadTooLargeException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public PayloadTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
