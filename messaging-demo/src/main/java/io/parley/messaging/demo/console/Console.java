package io.parley.messaging.demo.console;

import io.parley.messaging.BroadcastSubmission;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerState;
import io.parley.messaging.Submission;
import io.parley.messaging.demo.events.EventSink;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.NodeGroup;
import io.parley.messaging.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The console loop: reads commands until {@code /quit} or the end of input and carries them out on the active node,
 * which the prompt shows and {@code /use} changes. Each problem with a command is said in one sentence and the loop
 * goes on.
 */
public final class Console {

    private final NodeGroup nodes;
    private final EventSink sink;
    private final LineSource source;
    private DemoNode active;
    private int failures;

    public Console(NodeGroup nodes, EventSink sink, LineSource source) {
        this.nodes = nodes;
        this.sink = sink;
        this.source = source;
        this.active = nodes.nodes().get(0);
    }

    /** Runs until {@code /quit} or the end of input; returns how many commands failed. */
    public int run() throws IOException {
        String line;
        while ((line = source.read(active.id() + "> ")) != null) {
            ConsoleCommand command;
            try {
                command = ConsoleCommand.parse(line);
            } catch (IllegalArgumentException e) {
                fail(e.getMessage());
                continue;
            }
            if (command instanceof ConsoleCommand.Quit) {
                break;
            }
            try {
                execute(command);
            } catch (StoreException | IllegalStateException e) {
                fail(e.getMessage());
            }
        }
        return failures;
    }

    private void execute(ConsoleCommand command) {
        if (command instanceof ConsoleCommand.Send send) {
            Submission s = active.send(send.peer(), send.text());
            if (s.messageId().isEmpty()) {
                failures++; // reported by the node as it failed
            } else {
                noticeIfNotUp(send.peer());
            }
        } else if (command instanceof ConsoleCommand.All all) {
            BroadcastSubmission b = active.broadcast(all.text());
            if (b.messageId().isEmpty()) {
                failures++; // reported by the node, for every peer
            } else if (b.receipts().isEmpty()) {
                fail("node " + active.id() + " knows no peers yet; /all sends to every peer it knows");
            }
            // a copy refused at once (reported by the node) has failed already
            failures += (int) b.receipts().values().stream().filter(CompletableFuture::isCompletedExceptionally).count();
            b.receipts().forEach((peer, receipt) -> {
                if (!receipt.isCompletedExceptionally()) {
                    noticeIfNotUp(peer);
                }
            });
        } else if (command instanceof ConsoleCommand.History h) {
            sink.history(active.id(), active.latest(h.peer(), Math.min(h.limit(), HistoryQuery.MAX_LIMIT)));
        } else if (command instanceof ConsoleCommand.Peers) {
            sink.peers(active.id(), active.peers());
        } else if (command instanceof ConsoleCommand.Use use) {
            nodes.node(use.node()).ifPresentOrElse(n -> active = n, () -> fail("no node '" + use.node()
                    + "' in this process; its nodes are " + nodes.ids()));
        } else if (command instanceof ConsoleCommand.Help) {
            sink.info(ConsoleCommand.HELP);
        }
    }

    /** Says when a message just stored for {@code peer} waits for it: the peer is not UP now. */
    private void noticeIfNotUp(NodeId peer) {
        active.peers().stream().filter(p -> p.id().equals(peer)).findFirst()
                .filter(p -> p.state() != PeerState.UP)
                .ifPresent(p -> sink.queued(active.id(), peer, p.state()));
    }

    /**
     * The line that greets a person at a terminal, its example sending from {@code self} to a node that is not
     * {@code self}: the first of {@code candidates} (the other nodes of this process, then the peers {@code self}
     * knows), or none when there is none yet.
     */
    public static String startHint(NodeId self, List<NodeId> candidates) {
        Optional<NodeId> peer = candidates.stream().filter(c -> !c.equals(self)).findFirst();
        return "Type /help for the commands; " + peer.map(p -> "@" + p + " hello sends 'hello' to " + p + ".")
                .orElse("@PEER TEXT sends TEXT to PEER (" + self + " knows no peers yet; /peers lists them).");
    }

    /** {@link #startHint} for the node a console starts on, the first of {@code nodes}. */
    public static String startHint(NodeGroup nodes) {
        DemoNode first = nodes.nodes().get(0);
        List<NodeId> candidates = new ArrayList<>();
        nodes.nodes().forEach(n -> candidates.add(n.id()));
        first.peers().forEach(p -> candidates.add(p.id()));
        return startHint(first.id(), candidates);
    }

    private void fail(String message) {
        failures++;
        sink.error(message);
    }
}
