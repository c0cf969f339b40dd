package io.parley.messaging.internal.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.NodeConfig;
import io.parley.messaging.NodeId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DNS discovery with an injected resolver: no real DNS needed. */
class DnsDiscoveryTest {

    private static final NodeConfig.DnsDiscovery SPEC = new NodeConfig.DnsDiscovery("parley.test", 7000, Duration.ofMillis(20));

    record Found(String origin, Set<String> hostPorts, String thread) {
    }

    private final List<Found> found = new CopyOnWriteArrayList<>();
    private final AtomicReference<Object> answer = new AtomicReference<>(List.of());
    private final AtomicInteger calls = new AtomicInteger();
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "test-resolver"));

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    private DnsDiscovery discovery(DnsDiscovery.Local local) {
        return new DnsDiscovery(NodeId.of("self"), SPEC, name -> {
            calls.incrementAndGet();
            Object a = answer.get();
            if (a instanceof UnknownHostException e) {
                throw e;
            }
            if (a instanceof RuntimeException e) {
                throw e;
            }
            List<InetAddress> out = new ArrayList<>();
            for (Object ip : (List<?>) a) {
                out.add(InetAddress.getByName((String) ip));
            }
            return out;
        }, thread, local, (origin, hostPorts) -> found.add(new Found(origin, hostPorts, Thread.currentThread().getName())));
    }

    @Test
    void eachResolutionHandsOnEveryAddressAtTheMembersPortButThisNodesOwn() {
        DnsDiscovery d = discovery((ip, port) -> ip.getHostAddress().equals("10.0.0.2") && port == 7000);

        answer.set(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"));
        d.resolveOnce();
        answer.set(List.of("10.0.0.1", "10.0.0.2", "10.0.0.4", "fd00::5"));
        d.resolveOnce();

        assertThat(found).extracting(Found::hostPorts).containsExactly(
                Set.of("10.0.0.1:7000", "10.0.0.3:7000"),
                Set.of("10.0.0.1:7000", "10.0.0.4:7000", "[fd00:0:0:0:0:0:0:5]:7000"));
        assertThat(found).extracting(Found::origin).containsOnly("DNS name parley.test");
    }

    @Test
    void aFailedResolutionHandsOnNothingAndKeepsTheLastAnswer() {
        DnsDiscovery d = discovery((ip, port) -> false);
        answer.set(List.of("10.0.0.1"));
        d.resolveOnce();

        answer.set(new UnknownHostException("parley.test"));
        d.resolveOnce();

        assertThat(found).hasSize(1);
        assertThat(d.last()).containsExactly("10.0.0.1:7000");
    }

    @Test
    void theNameIsResolvedAgainEveryIntervalOnTheResolverThreadEvenAfterAFailure() {
        DnsDiscovery d = discovery((ip, port) -> false);
        answer.set(new IllegalStateException("a resolver that throws what it should not"));
        d.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() >= 3);
        assertThat(found).isEmpty();

        answer.set(List.of("10.0.0.1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> found.size() >= 3);
        answer.set(List.of("10.0.0.1", "10.0.0.9"));
        await().atMost(Duration.ofSeconds(5)).until(() -> found.get(found.size() - 1).hostPorts().size() == 2);
        d.stop();

        assertThat(found).extracting(Found::thread).containsOnly("test-resolver");
    }
}
