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

    public boolean isActive() {
        return channel.isActive();
    }

    public long lastSeenMicros() {
        return lastSeenMicros;
    }

    public void touch(long nowMicros) {
        lastSeenMicros = nowMicros;
    }

    /**
     * Whether the handshake proved that the peer is the node it says it is: it proved it holds the cluster secret,
     * or it showed a TLS certificate, verified against the trusted CAs, that names its id. False for a peer taken on
     * its word (plain TCP without a secret; over TLS without client authentication, an accepted connection). Known
     * when the session is made, before it is announced. Membership takes gossip only from authenticated sessions
     * when the node authenticates its peers.
     */
    public boolean authenticated() {
        return authenticated;
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
        return "session to " + peer + " (" + (dialedBySelf ? "dialled" : "accepted") + (authenticated ? ", authenticated" : "") + ", "
                + channel.remoteAddress() + ")";
    }
}
