package io.parley.messaging;

/**
 * A message's time to live ran out before it reached its receiver. It is stored as
 * {@link DeliveryStatus#EXPIRED} on the sender and never sent again.
 */
public class MessageExpiredException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that names the message and its deadline. */
    public MessageExpiredException(String message) {
        super(message);
    }
}
