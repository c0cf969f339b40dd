package io.parley.messaging.demo.events;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Everything the demo tells its user: what the nodes do (events) and what console commands answer. {@link TextEvents}
 * writes it for people, {@link JsonEvents} as one JSON object per line for scripts. Called from any thread.
 */
public interface EventSink {

    /** A node of this process started. */
    void listening(NodeId node, String address, Path store);

    /** The HTTP API is serving at {@code address}; every request but {@code /health} needs the token in {@code tokenFile}. */
    void http(String address, Path tokenFile);

    /** {@code node} stored a message from a peer. */
    void received(NodeId node, Message m);

    /** A message {@code node} sent was stored by its peer, whose acknowledgement is now stored here. */
    void delivered(NodeId node, Receipt receipt, String text);

    /**
     * As {@link #delivered(NodeId, Receipt, String)}, knowing also how long ago this process submitted the message
     * ({@code sinceSend}, on this node's monotonic clock): longer than the receipt's round trip when the message waited
     * in the store for its peer.
     */
    default void delivered(NodeId node, Receipt receipt, String text, Duration sinceSend) {
        delivered(node, receipt, text);
    }

    /**
     * A message {@code node} sent is stored and waits for {@code peer}, which is {@code state} (not UP) now; it is sent
     * when the peer is reachable again. For people: nothing by default, and nothing on standard output under
     * {@code --json}.
     */
    default void queued(NodeId node, NodeId peer, PeerState state) {
    }

    /**
     * A send failed. {@code id} is null if the message was never stored, {@code status} is where it stands in the
     * store (null if it is not there).
     */
    void failed(NodeId node, NodeId peer, UUID id, DeliveryStatus status, String text, String reason);

    /** A peer of {@code node} changed state (or was first seen). */
    void peer(NodeId node, PeerInfo info);

    /** The answer to {@code /history}. */
    void history(NodeId node, List<Message> rows);

    /** The answer to {@code /peers}. */
    void peers(NodeId node, List<PeerInfo> peers);

    /** A notice for people: help, progress. Scripts reading JSON do not get it on standard output. */
    void info(String text);

    /** A command that could not be carried out, in one sentence. */
    void error(String text);

    /** The end-of-input wait for receipts is over: {@code pending} messages still wait in the stores. */
    void drained(long pending, long waitedMillis);
}
