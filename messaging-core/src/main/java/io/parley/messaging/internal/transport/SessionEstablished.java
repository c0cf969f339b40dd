package io.parley.messaging.internal.transport;

/**
 * The user event the handshake fires down the pipeline once the session is in place ({@link Session#KEY} set),
 * so that the handlers that serve an established session (heartbeats, the failure detector) start their timers.
 */
public final class SessionEstablished {

    public static final SessionEstablished INSTANCE = new SessionEstablished();

    private SessionEstablished() {
    }

    @Override
    public String toString() {
        return "SessionEstablished";
    }
}
