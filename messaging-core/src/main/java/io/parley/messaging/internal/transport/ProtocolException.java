package io.parley.messaging.internal.transport;

import io.parley.messaging.proto.v1.Error;

/** A peer broke the protocol; the connection is closed with an Error frame carrying {@link #code()}. */
public final class ProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Error.Code code;

    public ProtocolException(Error.Code code, String message) {
        super(message);
        this.code = code;
    }

    public Error.Code code() {
        return code;
    }
}
