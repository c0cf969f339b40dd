package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code promtool check metrics} on {@code /metrics}: no complaint about Parley's own series ({@code parley_*}). Runs
 * when promtool is on the PATH (Debian's {@code prometheus} package; {@code .ci/run} installs it), skipped with the
 * reason printed otherwise. The JVM's series are Micrometer's and left to it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PromtoolTest {

    @Test
    void promtoolFindsNothingWrongWithParleysSeries() throws IOException, InterruptedException {
        Path promtool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        if (promtool == null) {
            System.out.println("[promtool] skipped: no promtool on the PATH (apt-get install prometheus)");
        }
        assumeTrue(promtool != null, "no promtool on the PATH");
        try (ApiFixture f = new ApiFixture(true, b -> b)) {
            f.send(f.request("/nodes/a/messages").header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"to\":\"b\",\"text\":\"metered\"}")));
            String metrics = f.send(f.request("/metrics")).body();
            assertThat(metrics).contains("parley_delivery_round_trip_seconds_bucket", "parley_http_event_streams_cut_total");

            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            List<String> ours = out.lines().filter(l -> l.contains("parley_")).collect(Collectors.toList());
            System.out.println("[promtool] exit " + p.exitValue() + "; " + out.lines().count() + " lines, "
                    + ours.size() + " about parley_*" + (out.isBlank() ? "" : ":\n" + out));
            assertThat(ours).as("promtool on Parley's series").isEmpty();
        }
    }
}
