package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.parley.messaging.NodeId;
import java.util.Objects;

/**
 * One established connection to a peer: who is at the other end (as the handshake established it, never as a
 * frame claims), and which side dialled. Stored on the channel under {@link #KEY}.
 */
public final class Session {

    public static final AttributeKey<Session> KEY = AttributeKey.valueOf(Session.class, "session");

    private final NodeId peer;
    private final long peerIncarnation;
    private final Channel channel;
    private final boolean dialedBySelf;
    private final String peerAdvertisedAddress;
    private final boolean authenticated;
    private volatile long lastSeenMicros;
    private volatile boolean closing;
    private boolean peerResumed; // read and written on the channel's event loop

    public Session(NodeId peer, long peerIncarnation, Channel channel, boolean dialedBySelf, String peerAdvertisedAddress) {
        this(peer, peerIncarnation, channel, dialedBySelf, peerAdvertisedAddress, false);
    }

    /** @param authenticated see {@link #authenticated()} */
    public Session(NodeId peer, long peerIncarnation, Channel channel, boolean dialedBySelf, String peerAdvertisedAddress,
                   boolean authenticated) {
        this.authenticated = authenticated;
        this.peer = Objects.requireNonNull(peer, "peer");
        this.peerIncarnation = peerIncarnation;
        this.channel = Objects.requireNonNull(channel, "channel");
        this.dialedBySelf = dialedBySelf;
        this.peerAdvertisedAddress = peerAdvertisedAddress == null ? "" : peerAdvertisedAddress;
    }

    public NodeId peer() {
        return peer;
    }

    public long peerIncarnation() {
        return peerIncarnation;
    }

    public Channel channel() {
        return channel;
    }

    public boolean dialedBySelf() {
        return dialedBySelf;
    }

    public String peerAdvertisedAddress() {
        return peerAdvertisedAddress;
    }

    /**
     * Whether the handshake proved that the other side is {@link #peer()}, rather than taking its word: over TLS, the
     * peer's verified certificate names its id (always on a connection this node dialled, on an accepted one only
     * with mutual authentication). False on plain TCP. Membership takes gossip only from authenticated sessions
     * when the node is configured to authenticate its peers.
     */
    public boolean authenticated() {
        return authenticated;
    }

    public boolean isActive() {
        return channel.isActive();
    }

    public long lastSeenMicros() {
        return lastSeenMicros;
    }

    public void touch(long nowMicros) {
        lastSeenMicros = nowMicros;
    }

    /** This connection is being closed for breaking the protocol: frames still in flight on it are dropped. */
    public void markClosing() {
        closing = true;
    }

    public boolean isClosing() {
        return closing;
    }

    /** Whether the peer's Resume arrived; it must come before any Envelope. Event loop only. */
    public boolean peerResumed() {
        return peerResumed;
    }

    void markPeerResumed() {
        peerResumed = true;
    }

    @Override
    public String toString() {
        return "session to " + peer + " (" + (dialedBySelf ? "dialled" : "accepted") + ", " + channel.remoteAddress() + ")";
    }
}
