package io.parley.messaging.demo.cli;

import io.parley.messaging.HistoryQuery;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.demo.events.HistoryRows;
import io.parley.messaging.demo.events.Json;
import io.parley.messaging.demo.node.DemoException;
import io.parley.messaging.store.SqliteStoreReader;
import io.parley.messaging.store.StoreException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Prints the messages in a node's store, also while the node runs. */
@Command(name = "history", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the messages in a node's store, also while the node runs.", "",
                "Rows come oldest first: id, direction (sent|received), peer, status, sender_time and receiver_time "
                        + "(ISO-8601 to the microsecond, UTC), text."})
public final class HistoryCommand implements Callable<Integer> {

    /** Rows read per query when printing a whole store. */
    private static final int PAGE = 10_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--db", required = true, paramLabel = "FILE", description = "The node's store, e.g. parley-data/n1.db.")
    Path db;

    @Option(names = "--peer", paramLabel = "ID", description = "Only messages exchanged with this peer.")
    String peer;

    @Option(names = "--limit", paramLabel = "N", description = "Only the newest N messages (1 to " + HistoryQuery.MAX_LIMIT + "). Default: all.")
    Integer limit;

    @Option(names = "--json", description = "One JSON object per row (JSON Lines).")
    boolean json;

    @Option(names = "--verbose", description = "Show stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() {
        if (peer != null) {
            try {
                new NodeId(peer);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--peer: " + e.getMessage());
            }
        }
        if (limit != null && (limit < 1 || limit > HistoryQuery.MAX_LIMIT)) {
            throw new ParameterException(spec.commandLine(), "--limit must be between 1 and " + HistoryQuery.MAX_LIMIT + ", got " + limit);
        }
        Logging.console(verbose);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        try (SqliteStoreReader reader = SqliteStoreReader.open(db)) {
            if (!json) {
                out.println(HistoryRows.HEADER);
            }
            if (limit != null) {
                HistoryQuery.Builder q = query().order(HistoryQuery.Order.NEWEST_FIRST).limit(limit);
                List<Message> rows = new ArrayList<>(reader.history(q.build()));
                Collections.reverse(rows);
                print(out, rows);
            } else {
                List<Message> page = reader.history(query().limit(PAGE).build());
                while (!page.isEmpty()) {
                    print(out, page);
                    page = page.size() < PAGE ? List.of()
                            : reader.history(query().limit(PAGE).after(page.get(page.size() - 1)).build());
                }
            }
        } catch (StoreException e) {
            throw new DemoException(e.getMessage(), e);
        } finally {
            out.flush();
        }
        return 0;
    }

    private HistoryQuery.Builder query() {
        HistoryQuery.Builder q = HistoryQuery.builder();
        if (peer != null) {
            q.peer(peer);
        }
        return q;
    }

    private void print(PrintStream out, List<Message> rows) {
        for (Message m : rows) {
            out.println(json ? Json.line(HistoryRows.json(m)) : HistoryRows.text(m));
        }
    }
}
