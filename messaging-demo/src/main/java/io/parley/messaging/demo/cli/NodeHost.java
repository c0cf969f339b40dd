package io.parley.messaging.demo.cli;

import io.parley.messaging.NodeId;
import io.parley.messaging.demo.console.Console;
import io.parley.messaging.demo.console.ConsoleIo;
import io.parley.messaging.demo.events.EventSink;
import io.parley.messaging.demo.http.EventFeed;
import io.parley.messaging.demo.http.HttpApi;
import io.parley.messaging.demo.node.DemoNode;
import io.parley.messaging.demo.node.Drain;
import io.parley.messaging.demo.node.NodeGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts the nodes a {@code local} or {@code node} command runs in this process, and what serves them: the HTTP API,
 * the console or, headless, nothing but a wait for a signal. {@link #close()} (also run by SIGINT or SIGTERM) closes
 * the HTTP API, stops every node's peer reports, then closes the nodes, last started first, each waiting its close
 * timeout for messages in flight.
 */
final class NodeHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeHost.class);
    /** Longest a second close (a signal during a close) waits for the first. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /** Where the nodes report: the console's sink, and the HTTP API's event streams. */
    private final EventFeed sink;
    private final NodeGroup nodes = new NodeGroup();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread shutdownHook = new Thread(this::closeOnSignal, "parley-shutdown");
    private HttpApi http;
    private boolean closing;

    NodeHost(EventSink sink) {
        this.sink = new EventFeed(sink);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The sink to start the nodes with: what they report goes to the console and to {@code GET /events}. */
    EventSink sink() {
        return sink;
    }

    void add(DemoNode node) {
        nodes.add(node);
    }

    /** The nodes' ids, {@code n1, n2, n3}. */
    String ids() {
        return nodes.ids();
    }

    /**
     * Serves the HTTP API for every node, and warns when it listens beyond this machine: its token then crosses the
     * network in clear text.
     *
     * @throws DemoException if it cannot listen there
     */
    void serveHttp(HostOptions.Http options) {
        HttpApi api = HttpApi.start(options.settings(), nodes, sink);
        synchronized (this) {
            http = api;
        }
        sink.http(api.address(), options.tokenFile());
        // On this machine only, the URL carries the token (in its fragment, which the browser keeps to itself): who
        // can read this output can read the token file too. Beyond it, the page asks for the token instead.
        sink.info(api.reachableFromElsewhere()
                ? "web view: " + api.webViewUrl(false) + " (it asks for the token in " + options.tokenFile() + ")"
                : "web view: " + api.webViewUrl(true));
        if (api.reachableFromElsewhere() && !api.secure()) {
            String warning = "warning: the HTTP API on " + api.address() + " is reachable from other machines without "
                    + "TLS: its bearer token and messages cross the network in clear text; bind it to 127.0.0.1, or keep "
                    + "it on a private network";
            log.warn(warning);
            sink.info(warning);
        }
    }

    /**
     * Reads and carries out commands until the end of input, then waits up to {@code drainTimeout} for every pending
     * receipt. Headless ({@code io.source()} null), waits for SIGINT or SIGTERM instead.
     *
     * @return 0 if every receipt arrived (and, when a script gave the commands, every command worked), 1 otherwise
     */
    int interact(ConsoleIo io, Duration drainTimeout) throws IOException, InterruptedException {
        if (io.source() == null) {
            closed.await();
            return 0;
        }
        if (io.interactive()) {
            sink.info(Console.startHint(nodes));
        }
        int failures = new Console(nodes, sink, io.source()).run();
        List<DemoNode> all = nodes.nodes();
        Drain.Result drained;
        // Ctrl-C ends the wait as SIGINT would: the exit runs the shutdown hook, which closes the nodes gracefully.
        // The terminal reads it as a key from before the notice that invites it: a Ctrl-C typed in between would
        // otherwise still be the terminal's signal, and be lost.
        try (ConsoleIo.Watch ctrlC = io.watchCtrlC(() -> Runtime.getRuntime().exit(130))) {
            if (all.stream().anyMatch(DemoNode::hasPending)) {
                sink.info("waiting up to " + Durations.format(drainTimeout) + " for the receipts of "
                        + all.stream().mapToLong(DemoNode::pendingCount).sum() + " pending messages (Ctrl-C to stop waiting)");
            }
            drained = Drain.await(all, drainTimeout);
        }
        all.forEach(DemoNode::stopPeerReports); // drained is the last event
        sink.drained(drained.pending(), drained.waitedMillis());
        if (!io.interactive() && failures > 0) {
            sink.info(failures + " command" + (failures == 1 ? "" : "s") + " failed");
        }
        return drained.complete() && (io.interactive() || failures == 0) ? 0 : 1;
    }

    private void closeOnSignal() {
        boolean first;
        synchronized (this) {
            first = !closing;
        }
        try {
            if (first) {
                sink.info("signal received: closing " + ids() + " gracefully");
            }
        } finally {
            close();
        }
    }

    private void awaitClosed() {
        try {
            closed.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes everything once; also what SIGINT and SIGTERM do. A second call waits for the first to finish. */
    @Override
    public void close() {
        List<DemoNode> toClose;
        synchronized (this) {
            if (closing) {
                toClose = null;
            } else {
                closing = true;
                toClose = new ArrayList<>(nodes.nodes());
            }
        }
        if (toClose == null) {
            awaitClosed(); // a signal during a close: let that close finish before the JVM goes
            return;
        }
        try {
            if (http != null) {
                http.close();
            }
            toClose.forEach(DemoNode::stopPeerReports); // not one line per peer of each node closed after it
            Collections.reverse(toClose);
            for (DemoNode n : toClose) {
                try {
                    n.close();
                } catch (RuntimeException e) {
                    log.warn("closing node {} failed", n.id(), e);
                }
            }
        } finally {
            closed.countDown();
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down already
                }
            }
        }
    }
}
