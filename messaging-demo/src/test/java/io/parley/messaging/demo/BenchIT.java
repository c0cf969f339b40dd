package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark command runs its exchanges, with its baselines beside them, and says so: small runs, for that it
 * works, not for its figures (those are measured by hand, see the README).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void inMemoryRunsBesideRawSockets() {
        JarProcess bench = JarProcess.run(dir, WAIT, "bench", "--messages", "500", "--warmup", "1", "--runs", "2");

        assertThat(bench.exitCode()).isZero();
        assertThat(bench.out()).filteredOn(l -> l.startsWith("run ")).hasSize(2)
                .allMatch(l -> l.contains("parley") && l.contains("raw sockets"));
        assertThat(bench.out()).anyMatch(l -> l.startsWith("median: parley") && l.contains("ratio"));
    }

    @Test
    void sqliteWithTlsRunsBesidePlainInMemoryNodes() {
        TestCertificates.Ca ca = TestCertificates.Ca.create("bench", dir);
        TestCertificates.NodeFiles both = ca.issue("bench-nodes", "bench", "a", "b");

        JarProcess bench = JarProcess.run(dir, WAIT, "bench", "--messages", "500", "--warmup", "1", "--runs", "2",
                "--store", "sqlite", "--tls-cert", both.certificate().toString(), "--tls-key", both.key().toString(),
                "--tls-ca", ca.certificateFile().toString());

        assertThat(bench.exitCode()).as("%s", bench.err()).isZero();
        assertThat(bench.out()).anyMatch(l -> l.contains("sqlite stores (synchronous=FULL), TLS"));
        assertThat(bench.out()).filteredOn(l -> l.startsWith("run ")).hasSize(2)
                .allMatch(l -> l.contains("sqlite+tls") && l.contains("in-memory"));
        assertThat(bench.out()).anyMatch(l -> l.contains("sqlite+tls/in-memory throughput"));
    }

    @Test
    void aTlsCertificateThatDoesNotNameBothNodesIsABadArgument() {
        TestCertificates.Ca ca = TestCertificates.Ca.create("bench", dir);
        TestCertificates.NodeFiles onlyA = ca.issue("a");

        JarProcess bench = JarProcess.run(dir, WAIT, "bench", "--tls-cert", onlyA.certificate().toString(),
                "--tls-key", onlyA.key().toString(), "--tls-ca", ca.certificateFile().toString());

        assertThat(bench.exitCode()).isEqualTo(2);
        assertThat(bench.err()).anyMatch(l -> l.contains("names a, not this node's id 'b'"));
    }

    @Test
    void backlogReportsTheHeapHeldForQueuedMessages() {
        JarProcess bench = JarProcess.run(dir, WAIT, "bench", "--backlog", "2000");

        assertThat(bench.exitCode()).as("%s", bench.err()).isZero();
        assertThat(bench.out()).anyMatch(l -> l.startsWith("backlog: 2000 messages"))
                .anyMatch(l -> l.startsWith("heap after full GC:") && l.contains("bytes per queued message"));
    }
}
