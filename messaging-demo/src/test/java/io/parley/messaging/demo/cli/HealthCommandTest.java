package io.parley.messaging.demo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.parley.messaging.demo.ParleyDemo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code health URL}, a container's HEALTHCHECK: 0 on a 2xx answer, 1 on anything else, 2 for a bad URL. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HealthCommandTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private String base;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/health", ex -> answer(ex, 200, "{\"status\":\"UP\",\"node\":\"n1\"}"));
        server.createContext("/sick", ex -> answer(ex, 503, "{\"error\":\"closing\"}"));
        server.createContext("/slow", ex -> {
            try {
                release.await(20, TimeUnit.SECONDS); // no answer within the test's --timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "health-test-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Test
    void aTwoHundredAnswerExitsZeroAndPrintsTheBody() {
        Run r = run("health", base + "/health");
        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo("{\"status\":\"UP\",\"node\":\"n1\"}" + System.lineSeparator());
        assertThat(r.err).isEmpty();
    }

    @Test
    void anErrorStatusExitsOneWithTheStatusAndBody() {
        Run r = run("health", base + "/sick");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).isEqualTo("parley: " + base + "/sick answered 503: {\"error\":\"closing\"}" + System.lineSeparator());
    }

    @Test
    void nothingListeningExitsOne() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Run r = run("health", "http://127.0.0.1:" + closedPort + "/health");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).startsWith("parley: http://127.0.0.1:" + closedPort + "/health did not answer: java.net.ConnectException");
    }

    @Test
    void noAnswerWithinTheTimeoutExitsOne() {
        Run r = run("health", "--timeout", "300ms", base + "/slow");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).startsWith("parley: " + base + "/slow did not answer: java.net.SocketTimeoutException");
    }

    @Test
    void aUrlThatIsNotHttpIsABadArgument() {
        assertThat(run("health", "127.0.0.1:8080/health").code).isEqualTo(2);
        Run r = run("health", "ftp://127.0.0.1/health");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).startsWith("parley: URL 'ftp://127.0.0.1/health' must be http://HOST:PORT/PATH");
        assertThat(run("health", "--timeout", "0s", base + "/health").code).isEqualTo(2);
    }

    @Test
    void nodeRefusesADnsNameWithoutAPort() {
        Run r = run("node", "--id", "n1", "--listen", "127.0.0.1:0", "--dns", "parley:0");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).startsWith("parley: --dns parley:0 needs the port the nodes listen on, not 0");
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = ParleyDemo.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
