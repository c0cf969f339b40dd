package io.parley.messaging.internal.transport;

import io.parley.messaging.proto.v1.Error;

/** The answer to a handshake: admit the connection as a session, or refuse it with a code and a sentence. */
public record Admission(Session session, Error.Code code, String reason) {

    public static Admission admit(Session session) {
        return new Admission(session, null, null);
    }

    public static Admission refuse(Error.Code code, String reason) {
        return new Admission(null, code, reason);
    }

    public boolean admitted() {
        return session != null;
    }
}
