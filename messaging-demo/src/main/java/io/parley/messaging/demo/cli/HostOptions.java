package io.parley.messaging.demo.cli;

import io.parley.messaging.NodeBuilder;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of every command that runs nodes ({@code local} and {@code node}). */
final class HostOptions {

    @Option(names = "--json", description = "Print every event as one JSON object per line (for scripts).")
    boolean json;

    @Option(names = "--http", paramLabel = "HOST:PORT", converter = Endpoint.Converter.class,
            description = "Serve the HTTP API there (port 0: one the system chooses).")
    Endpoint http;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "60s",
            description = "At the end of input, wait this long for pending receipts (e.g. 120s). Default: ${DEFAULT-VALUE}.")
    Duration drainTimeout;

    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = NodeBuilder.DEFAULT_CLUSTER,
            description = "Cluster name; nodes talk only within one. Default: ${DEFAULT-VALUE}.")
    String cluster;

    @Option(names = "--verbose", description = "Log to the console too, and show stack traces of errors.")
    boolean verbose;
}
