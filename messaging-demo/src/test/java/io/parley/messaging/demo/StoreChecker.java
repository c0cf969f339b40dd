package io.parley.messaging.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.sqlite.SQLiteConfig;

/**
 * Reads every node's store after a run and checks what the delivery contract promises, against the messages the
 * nodes accepted (202 to {@code POST /messages?wait=stored}):
 * <ul>
 *   <li>each accepted message is stored exactly once on its sender (as sent, DELIVERED) and once on its receiver;
 *   <li>every sent row, accepted or not, is DELIVERED (none PENDING), and its receiver holds it with the same text;
 *   <li>nothing is on a receiver that its sender's store does not hold as sent to it;
 *   <li>FIFO per pair: a receiver stored each sender's messages in the sender's sequence order;
 *   <li>the hybrid clock is monotonic per node: each sender's stamps on its messages to one peer grow with their
 *       sequence numbers, across its restarts and clock jumps.
 * </ul>
 * The rows come from the demo's {@code history --db FILE --json}, as a person checks a store; the arrival order,
 * sequence numbers and hybrid clock readings, which history does not print, from the file itself (rowid order is
 * the order rows were inserted).
 *
 * <p>Stateless; its result is a value.
 */
final class StoreChecker {

    /** What the check found: counts, and the first few problems of each kind to show. */
    record Result(int accepted, int sentRows, int receivedRows, int lost, int duplicated, int pending, int phantom,
                  int fifoViolations, int clockViolations, List<String> problems) {

        boolean clean() {
            return lost == 0 && duplicated == 0 && pending == 0 && phantom == 0 && fifoViolations == 0 && clockViolations == 0;
        }
    }

    /** One row of a store: history's fields and the file's order columns. */
    record Row(String node, String id, boolean sent, String peer, String status, String text, long rowid,
               long incarnation, long seq, long hlcWall, long hlcLogical) {
    }

    private StoreChecker() {
    }

    /** Checks the stores of {@code nodes} in {@code dir} (all stopped) against {@code accepted}. */
    static Result check(Path dir, List<ClusterNode> nodes, List<Traffic.Accepted> accepted) {
        Map<String, List<Row>> stores = new HashMap<>();
        for (ClusterNode node : nodes) {
            stores.put(node.id(), read(dir, node.id(), node.db()));
        }
        List<String> problems = new ArrayList<>();
        int lost = 0;
        int duplicated = 0;
        int pending = 0;
        int phantom = 0;
        int fifo = 0;
        int clock = 0;
        int sentRows = 0;
        int receivedRows = 0;
        // (node, sent?, peer, id) -> rows
        Map<String, List<Row>> byKey = new HashMap<>();
        for (List<Row> rows : stores.values()) {
            for (Row r : rows) {
                byKey.computeIfAbsent(key(r.node(), r.sent(), r.peer(), r.id()), k -> new ArrayList<>()).add(r);
                if (r.sent()) {
                    sentRows++;
                } else {
                    receivedRows++;
                }
            }
        }
        for (Map.Entry<String, List<Row>> e : byKey.entrySet()) {
            if (e.getValue().size() > 1) {
                duplicated += e.getValue().size() - 1;
                note(problems, "stored " + e.getValue().size() + " times: " + e.getKey());
            }
        }
        for (Traffic.Accepted a : accepted) {
            List<Row> sent = byKey.getOrDefault(key(a.from(), true, a.to(), a.id()), List.of());
            List<Row> received = byKey.getOrDefault(key(a.to(), false, a.from(), a.id()), List.of());
            if (sent.isEmpty() || received.isEmpty()) {
                lost++;
                note(problems, "accepted " + a + " is not on its " + (sent.isEmpty() ? "sender" : "receiver"));
            }
        }
        for (List<Row> rows : stores.values()) {
            for (Row r : rows) {
                if (r.sent()) {
                    if (!"DELIVERED".equals(r.status())) {
                        pending++;
                        note(problems, r.node() + " still holds " + r.status() + ": " + r);
                    }
                    List<Row> there = byKey.getOrDefault(key(r.peer(), false, r.node(), r.id()), List.of());
                    if ("DELIVERED".equals(r.status()) && there.isEmpty()) {
                        lost++;
                        note(problems, "DELIVERED but not on its receiver: " + r);
                    }
                } else {
                    List<Row> source = byKey.getOrDefault(key(r.peer(), true, r.node(), r.id()), List.of());
                    if (source.isEmpty() || !source.get(0).text().equals(r.text())) {
                        phantom++;
                        note(problems, "received, but its sender did not send it so: " + r);
                    }
                }
            }
        }
        for (List<Row> rows : stores.values()) {
            Map<String, List<Row>> received = rows.stream().filter(r -> !r.sent()).collect(Collectors.groupingBy(Row::peer));
            for (List<Row> stream : received.values()) {
                stream.sort(Comparator.comparingLong(Row::rowid));
                for (int i = 1; i < stream.size(); i++) {
                    Row before = stream.get(i - 1);
                    Row after = stream.get(i);
                    if (after.incarnation() == before.incarnation() && after.seq() <= before.seq()) {
                        fifo++;
                        note(problems, "out of order on " + after.node() + ": seq " + after.seq() + " stored after " + before.seq());
                    }
                }
            }
            Map<String, List<Row>> sent = rows.stream().filter(Row::sent).collect(Collectors.groupingBy(Row::peer));
            for (List<Row> stream : sent.values()) {
                stream.sort(Comparator.comparingLong(Row::seq));
                for (int i = 1; i < stream.size(); i++) {
                    Row before = stream.get(i - 1);
                    Row after = stream.get(i);
                    if (after.hlcWall() < before.hlcWall()
                            || (after.hlcWall() == before.hlcWall() && after.hlcLogical() <= before.hlcLogical())) {
                        clock++;
                        note(problems, String.format("%s's hybrid clock went back %.3f s between its seq %d and %d to %s",
                                after.node(), (before.hlcWall() - after.hlcWall()) / 1e6, before.seq(), after.seq(), after.peer()));
                    }
                }
            }
        }
        return new Result(accepted.size(), sentRows, receivedRows, lost, duplicated, pending, phantom, fifo, clock, problems);
    }

    private static void note(List<String> problems, String problem) {
        if (problems.size() < 20) {
            problems.add(problem);
        }
    }

    private static String key(String node, boolean sent, String peer, String id) {
        return node + (sent ? " sent to " : " received from ") + peer + " " + id;
    }

    /** A store's rows: {@code history --json} joined by id, direction and peer with the file's order columns. */
    static List<Row> read(Path dir, String node, Path db) {
        Map<String, List<long[]>> order = new HashMap<>();
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = config.createConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT rowid, id, direction, peer, sender_incarnation, seq, hlc_wall, hlc_logical"
                     + " FROM message ORDER BY rowid")) {
            while (r.next()) {
                String key = id(r.getBytes(2)) + " " + (r.getInt(3) == 0) + " " + r.getString(4);
                order.computeIfAbsent(key, k -> new ArrayList<>())
                        .add(new long[] {r.getLong(1), r.getLong(5), r.getLong(6), r.getLong(7), r.getLong(8)});
            }
        } catch (SQLException e) {
            throw new IllegalStateException(db + ": " + e.getMessage(), e);
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Integer> taken = new HashMap<>();
        for (JsonNode h : JarProcess.history(dir, db)) {
            boolean sent = "sent".equals(h.get("direction").asText());
            String key = h.get("id").asText() + " " + sent + " " + h.get("peer").asText();
            int i = taken.merge(key, 1, Integer::sum) - 1;
            long[] o = order.get(key).get(i);
            rows.add(new Row(node, h.get("id").asText(), sent, h.get("peer").asText(), h.get("status").asText(),
                    h.get("text").asText(), o[0], o[1], o[2], o[3], o[4]));
        }
        return rows;
    }

    /** A stored id: 16 bytes, big-endian, the top bit of each half flipped (as the store keeps them in UUID order). */
    private static String id(byte[] b) {
        ByteBuffer buffer = ByteBuffer.wrap(b);
        return new UUID(buffer.getLong() ^ Long.MIN_VALUE, buffer.getLong() ^ Long.MIN_VALUE).toString();
    }
}
