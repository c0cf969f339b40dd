package io.parley.messaging.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.it.NodeApi.Row;
import io.parley.messaging.it.Traffic.Sent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The delivery contract, checked from the stores through the HTTP API: every message DELIVERED on its sender, stored
 * once on its receiver with the same id and the sender's clock, and stored in send order.
 */
final class Deliveries {

    /** A message as both ends stored it. */
    record Both(Sent sent, Row onSender, Row onReceiver) {
    }

    private Deliveries() {
    }

    /** Waits until every message is DELIVERED on its sender, then checks each pair's copies. Returns them. */
    static Map<String, List<Both>> awaitDeliveredOnceInOrder(Cluster cluster, List<Sent> sent, Duration timeout) {
        Map<String, List<Sent>> byPair = sent.stream()
                .collect(Collectors.groupingBy(Sent::pair, LinkedHashMap::new, Collectors.toList()));
        await().atMost(timeout).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (List<Sent> pair : byPair.values()) {
                Map<String, Row> rows = rows(cluster.api(pair.get(0).from()).messages(pair.get(0).to()), pair);
                assertThat(pair).as("%s: sent messages not yet DELIVERED", pair.get(0).pair())
                        .filteredOn(s -> rows.get(s.text()) == null || !rows.get(s.text()).status().equals("DELIVERED"))
                        .extracting(Sent::text).isEmpty();
            }
        });
        Map<String, List<Both>> checked = new LinkedHashMap<>();
        byPair.forEach((pair, messages) -> checked.put(pair, check(cluster, messages)));
        return checked;
    }

    private static List<Both> check(Cluster cluster, List<Sent> pair) {
        String from = pair.get(0).from();
        String to = pair.get(0).to();
        Set<String> texts = pair.stream().map(Sent::text).collect(Collectors.toSet());
        List<Row> sentRows = cluster.api(from).messages(to).stream().filter(r -> texts.contains(r.text())).toList();
        List<Row> receivedRows = cluster.api(to).messages(from).stream().filter(r -> texts.contains(r.text())).toList();
        assertThat(sentRows).as("%s->%s: stored on %s", from, to, from).hasSize(pair.size())
                .allSatisfy(r -> assertThat(r.direction()).isEqualTo("sent"));
        assertThat(receivedRows).as("%s->%s: stored on %s, each once", from, to, to).hasSize(pair.size())
                .allSatisfy(r -> {
                    assertThat(r.direction()).isEqualTo("received");
                    assertThat(r.status()).isEqualTo("RECEIVED");
                });
        assertThat(receivedRows.stream().map(Row::text).distinct().count()).as("%s->%s: distinct texts on %s", from, to, to)
                .isEqualTo(pair.size());

        Map<String, Row> onSender = rows(sentRows, pair);
        Map<String, Row> onReceiver = rows(receivedRows, pair);
        List<Both> both = new ArrayList<>(pair.size());
        for (Sent s : pair) {
            Row a = onSender.get(s.text());
            Row b = onReceiver.get(s.text());
            assertThat(a.id()).as("%s: id on the sender", s.text()).isEqualTo(s.id());
            assertThat(b.id()).as("%s: id on the receiver", s.text()).isEqualTo(s.id());
            assertThat(a.status()).as("%s: status on the sender", s.text()).isEqualTo("DELIVERED");
            assertThat(b.senderTime()).as("%s: the sender's clock, stored on both sides", s.text()).isEqualTo(a.senderTime());
            assertThat(a.receiverTime()).as("%s: the receiver's clock, from its ack", s.text()).isEqualTo(b.receiverTime());
            both.add(new Both(s, a, b));
        }
        // Stored in the order sent: the receiver committed each after the one sent before it.
        for (int i = 1; i < both.size(); i++) {
            assertThat(both.get(i).onReceiver().receiverTime())
                    .as("%s stored no earlier than %s", both.get(i).sent().text(), both.get(i - 1).sent().text())
                    .isAfterOrEqualTo(both.get(i - 1).onReceiver().receiverTime());
        }
        return both;
    }

    private static Map<String, Row> rows(List<Row> rows, List<Sent> pair) {
        Set<String> texts = pair.stream().map(Sent::text).collect(Collectors.toSet());
        return rows.stream().filter(r -> texts.contains(r.text()))
                .collect(Collectors.toMap(Row::text, Function.identity(), (a, b) -> a));
    }
}
