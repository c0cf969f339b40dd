package io.parley.messaging.demo.events;

import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.Receipt;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link EventSink} that keeps what it is told, for in-process tests. */
public final class RecordingSink implements EventSink {

    /** A peer event: the node that saw it and what it saw. */
    public record PeerSeen(NodeId node, PeerInfo info) {
    }

    public final List<PeerSeen> peers = new CopyOnWriteArrayList<>();
    /** Each node's {@code listening} and {@code peer} events in the order they came: "a listening", "a sees b UP: reason". */
    public final List<String> said = new CopyOnWriteArrayList<>();
    public final List<Message> received = new CopyOnWriteArrayList<>();
    public final List<Receipt> delivered = new CopyOnWriteArrayList<>();
    /** The text each {@code delivered} report carried, in the same order. */
    public final List<String> deliveredTexts = new CopyOnWriteArrayList<>();
    public final List<String> failed = new CopyOnWriteArrayList<>();

    @Override
    public void listening(NodeId node, String address, Path store) {
        said.add(node + " listening");
    }

    @Override
    public void http(String address, Path tokenFile) {
    }

    @Override
    public void received(NodeId node, Message m) {
        received.add(m);
    }

    @Override
    public void delivered(NodeId node, Receipt receipt, String text) {
        deliveredTexts.add(text);
        delivered.add(receipt);
    }

    @Override
    public void failed(NodeId node, NodeId peer, UUID id, DeliveryStatus status, String text, String reason) {
        failed.add(node + "->" + peer + " " + status + ": " + reason);
    }

    @Override
    public void peer(NodeId node, PeerInfo info) {
        peers.add(new PeerSeen(node, info));
        said.add(node + " sees " + info.id() + " " + info.state() + info.lastError().map(e -> ": " + e).orElse(""));
    }

    @Override
    public void history(NodeId node, List<Message> rows) {
    }

    @Override
    public void peers(NodeId node, List<PeerInfo> peers) {
    }

    @Override
    public void info(String text) {
    }

    @Override
    public void error(String text) {
    }

    @Override
    public void drained(long pending, long waitedMillis) {
    }
}
