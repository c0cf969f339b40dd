package io.parley.messaging.store;

import io.parley.messaging.MessagingException;

/** A store could not be opened, read or written. */
public class StoreException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what failed. */
    public StoreException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
