package io.parley.messaging.demo.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.parley.messaging.Limit;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerInfo;
import io.parley.messaging.PeerState;
import io.parley.messaging.Receipt;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.stream.DoubleStream;
import java.util.function.Supplier;

/**
 * One node's meters, in a registry of its own that {@code GET /metrics} renders in the Prometheus text format:
 * {@code parley_messages_sent_total}, {@code _delivered_total}, {@code _failed_total}, {@code _received_total},
 * {@code parley_messages_awaiting_receipt}, the histograms {@code parley_delivery_round_trip_seconds} and
 * {@code parley_delivery_time_seconds} (16 buckets from 500 µs to 60 s, so Prometheus can compute quantiles),
 * {@code parley_peers{state}}, per peer {@code parley_peer_up}, {@code parley_peer_round_trip_seconds} and
 * {@code parley_peer_clock_offset_seconds}, {@code parley_store_writable} (0 while the store cannot write),
 * {@code parley_limit_reached_total{limit}} (how often each of the node's bounds against its peers was reached, one
 * series per {@link Limit}), and the JVM's own. Every meter has the tag {@code node}.
 */
public final class NodeMetrics {

    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** The histograms' bucket bounds: 16 of them, from 500 µs to 60 s, as {@code le} labels in seconds. */
    private static final Duration[] BUCKETS = DoubleStream.of(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500,
            5_000, 10_000, 30_000, 60_000).mapToObj(ms -> Duration.ofNanos((long) (ms * 1_000_000))).toArray(Duration[]::new);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<List<PeerInfo>> peers;
    private final Counter sent;
    private final Counter delivered;
    private final Counter failed;
    private final Counter received;
    private final Timer roundTrip;
    private final Timer deliveryTime;
    private final MultiGauge peerUp;
    private final MultiGauge peerRoundTrip;
    private final MultiGauge peerClockOffset;

    NodeMetrics(NodeId node, Supplier<List<PeerInfo>> peers, IntSupplier awaitingReceipt, DoubleSupplier storeWritable,
                Supplier<Map<Limit, Long>> limitsReached) {
        this.peers = peers;
        registry.config().commonTags("node", node.value());
        sent = Counter.builder("parley.messages.sent").description("Messages this node accepted to send").register(registry);
        delivered = Counter.builder("parley.messages.delivered").description("Sent messages whose receipt arrived")
                .register(registry);
        failed = Counter.builder("parley.messages.failed").description("Sends that failed").register(registry);
        received = Counter.builder("parley.messages.received").description("Messages received from peers").register(registry);
        roundTrip = histogram(Timer.builder("parley.delivery.round.trip")
                .description("From the last transmission to the receipt"));
        deliveryTime = histogram(Timer.builder("parley.delivery.time")
                .description("From the send to its receipt, retransmissions and waits for the peer included"));
        Gauge.builder("parley.messages.awaiting.receipt", awaitingReceipt::getAsInt)
                .description("Messages sent by this process still waiting for their receipt").register(registry);
        Gauge.builder("parley.store.writable", storeWritable::getAsDouble)
                .description("1 while the node's store takes writes, 0 while it is degraded (disk full, I/O errors)")
                .register(registry);
        for (PeerState state : PeerState.values()) {
            Gauge.builder("parley.peers", peers, p -> p.get().stream().filter(i -> i.state() == state).count())
                    .tag("state", state.name()).description("Peers in each state").register(registry);
        }
        for (Limit limit : Limit.values()) {
            FunctionCounter.builder("parley.limit.reached", limitsReached, m -> m.get().getOrDefault(limit, 0L))
                    .tag("limit", limit.name()).description("How often the node reached this bound against its peers")
                    .register(registry);
        }
        peerUp = MultiGauge.builder("parley.peer.up").description("1 while the peer is UP").register(registry);
        peerRoundTrip = MultiGauge.builder("parley.peer.round.trip").baseUnit("seconds")
                .description("Best recent round trip to the peer").register(registry);
        peerClockOffset = MultiGauge.builder("parley.peer.clock.offset").baseUnit("seconds")
                .description("The peer's clock minus this node's").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private Timer histogram(Timer.Builder timer) {
        return timer.serviceLevelObjectives(BUCKETS).register(registry);
    }

    void sent() {
        sent.increment();
    }

    /** A receipt came, {@code sinceSend} after the send. */
    void delivered(Receipt r, Duration sinceSend) {
        delivered.increment();
        roundTrip.record(r.roundTrip());
        deliveryTime.record(sinceSend);
    }

    void failed() {
        failed.increment();
    }

    void received() {
        received.increment();
    }

    /** Every meter in the Prometheus text format, the per-peer ones read now. */
    public String scrape() {
        List<PeerInfo> now = peers.get();
        peerUp.register(now.stream().map(p -> MultiGauge.Row.of(Tags.of("peer", p.id().value()),
                p.state() == PeerState.UP ? 1 : 0)).toList(), true);
        peerRoundTrip.register(now.stream().map(p -> MultiGauge.Row.of(Tags.of("peer", p.id().value()),
                p.roundTrip().toNanos() / 1e9)).toList(), true);
        peerClockOffset.register(now.stream().map(p -> MultiGauge.Row.of(Tags.of("peer", p.id().value()),
                p.clockOffset().toNanos() / 1e9)).toList(), true);
        return registry.scrape();
    }

    /**
     * Several nodes' meters in one exposition, as {@code /metrics} on {@code local} serves them: each metric family once,
     * with its {@code # HELP} and {@code # TYPE}, and the samples of every node, told apart by their {@code node} label.
     */
    public static String scrape(List<NodeMetrics> nodes) {
        if (nodes.size() == 1) {
            return nodes.get(0).scrape();
        }
        Map<String, StringBuilder> families = new LinkedHashMap<>();
        for (NodeMetrics n : nodes) {
            String family = null;
            boolean seen = false;
            for (String line : n.scrape().split("\n")) {
                if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                    String name = line.substring(7, line.indexOf(' ', 7) < 0 ? line.length() : line.indexOf(' ', 7));
                    if (!name.equals(family)) {
                        family = name;
                        seen = families.containsKey(name);
                        families.computeIfAbsent(name, k -> new StringBuilder());
                    }
                    if (seen) {
                        continue; // said once, by the first node
                    }
                }
                if (family != null && !line.isEmpty()) {
                    families.get(family).append(line).append('\n');
                }
            }
        }
        StringBuilder all = new StringBuilder();
        families.values().forEach(all::append);
        return all.toString();
    }

    void close() {
        registry.close();
    }
}
