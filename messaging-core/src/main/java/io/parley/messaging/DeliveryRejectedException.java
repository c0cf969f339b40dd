package io.parley.messaging;

/** The receiver refused a message for good; the reason is in the message. */
public class DeliveryRejectedException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public DeliveryRejectedException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public DeliveryRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
