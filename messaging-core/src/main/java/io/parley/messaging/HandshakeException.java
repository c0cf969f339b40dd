package io.parley.messaging;

/** A connection was refused during its handshake (wrong cluster, duplicate id, version, timeout). */
public class HandshakeException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what happened and what to do. */
    public HandshakeException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public HandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
