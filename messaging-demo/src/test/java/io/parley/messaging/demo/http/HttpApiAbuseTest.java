package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.messaging.demo.http.ApiFixture.Raw;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The attacks of issue 16 on the HTTP API in process, over loopback sockets: slow bodies, slow headers, 500 idle
 * connections and a flood of requests. During each, {@code GET /health} from another client must answer within 1 s;
 * each attack ends in the refusal it should. The API runs with 8 worker threads, fewer than the slow clients, so that a
 * slow client holding a thread would show; the times {@code /health} took are printed ({@code [http-abuse]}).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HttpApiAbuseTest {

    private static final Duration BODY_TIMEOUT = Duration.ofMillis(1_500);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);

    private static ApiFixture api() {
        return new ApiFixture(false, b -> b.threads(8).bodyTimeout(BODY_TIMEOUT).idleTimeout(IDLE_TIMEOUT));
    }

    @Test
    void slowBodiesAreRefusedWith408AndHoldNoWorkerThread() throws IOException {
        try (ApiFixture f = api()) {
            List<Socket> slow = new ArrayList<>();
            List<Duration> health = new ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    Socket s = f.connect();
                    slow.add(s);
                    s.getOutputStream().write(("POST /messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                            + ApiFixture.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                            .getBytes(StandardCharsets.US_ASCII));
                }
                // a byte a connection every 100 ms, for longer than the body may take
                long end = System.nanoTime() + BODY_TIMEOUT.toNanos() + 500_000_000L;
                while (System.nanoTime() < end) {
                    for (Socket s : slow) {
                        trickle(s, " ");
                    }
                    health.add(f.healthWithinASecond());
                    pause(100);
                }
                for (Socket s : slow) {
                    Raw answer = Raw.read(s.getInputStream(), false);
                    assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 408 Request Timeout");
                    assertThat(answer.body()).contains("did not arrive in full within 1500 ms");
                    assertThat(answer.headers()).containsEntry("connection", "close");
                }
            } finally {
                closeAll(slow);
            }
            report("16 slow bodies", health);
        }
    }

    @Test
    void fiveHundredSlowHeaderConnectionsLeaveHealthAnswering() throws IOException {
        try (ApiFixture f = api()) {
            List<Socket> slow = new ArrayList<>();
            List<Duration> health = new ArrayList<>();
            try {
                for (int i = 0; i < 500; i++) {
                    Socket s = f.connect();
                    slow.add(s);
                    trickle(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
                }
                for (int round = 0; round < 10; round++) {
                    for (Socket s : slow) {
                        trickle(s, "x");
                    }
                    health.add(f.healthWithinASecond());
                    pause(100);
                }
            } finally {
                closeAll(slow);
            }
            report("500 slow-header connections", health);
        }
    }

    @Test
    void fiveHundredIdleConnectionsLeaveHealthAnsweringAndAreClosedAfterTheIdleTimeout() throws IOException {
        try (ApiFixture f = api()) {
            List<Socket> idle = new ArrayList<>();
            List<Duration> health = new ArrayList<>();
            try {
                for (int i = 0; i < 500; i++) {
                    idle.add(f.connect());
                }
                for (int round = 0; round < 5; round++) {
                    health.add(f.healthWithinASecond());
                }
                // the server closes each once it has been idle for the idle timeout: the client reads the end
                for (Socket s : idle) {
                    s.setSoTimeout((int) IDLE_TIMEOUT.multipliedBy(3).toMillis());
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                }
            } finally {
                closeAll(idle);
            }
            report("500 idle connections", health);
        }
    }

    @Test
    void aFloodOfRequestsIsServedAndHealthStillAnswers() throws Exception {
        int clients = 8;
        int perClient = 400;
        try (ApiFixture f = api()) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            AtomicInteger ok = new AtomicInteger();
            List<Duration> health = new ArrayList<>();
            long start = System.nanoTime();
            try {
                List<Future<?>> floods = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    floods.add(pool.submit(() -> {
                        try (Socket s = f.connect()) {
                            for (int i = 0; i < perClient; i++) {
                                Raw r = Raw.exchange(s, "GET /peers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                        + ApiFixture.TOKEN + "\r\n\r\n");
                                if (r.status() == 200) {
                                    ok.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
                while (floods.stream().anyMatch(fl -> !fl.isDone())) {
                    health.add(f.healthWithinASecond());
                    pause(50);
                }
                for (Future<?> fl : floods) {
                    fl.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(ok.get()).isEqualTo(clients * perClient);
            System.out.printf("[http-abuse] flood: %d requests on %d kept-alive connections in %d ms%n", clients * perClient,
                    clients, millis);
            report("a flood of " + clients * perClient + " requests", health);
        }
    }

    @Test
    void fortyRequestsOnOneKeptAliveConnection() throws IOException {
        try (ApiFixture f = api(); Socket s = f.connect()) {
            for (int warm = 0; warm < 40; warm++) {
                Raw.exchange(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            long start = System.nanoTime();
            for (int i = 0; i < 40; i++) {
                assertThat(Raw.exchange(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status()).isEqualTo(200);
            }
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
            System.out.printf("[http-abuse] 40 requests on one kept-alive connection: %.1f ms%n", micros / 1000.0);
            assertThat(Duration.ofNanos(micros * 1000)).isLessThan(Duration.ofSeconds(1)); // Nagle's delay would be ~1.7 s
        }
    }

    private static void trickle(Socket s, String text) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (SocketException e) {
            // the server closed it already: the point of the test
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The attack's pace: the gap between two bytes of a slow client. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    private static void report(String attack, List<Duration> health) {
        long max = health.stream().mapToLong(Duration::toMillis).max().orElse(-1);
        double median = health.stream().mapToLong(d -> d.toNanos() / 1000).sorted().skip(health.size() / 2).findFirst().orElse(-1) / 1000.0;
        System.out.printf("[http-abuse] during %s: GET /health answered %d times, median %.1f ms, max %d ms%n", attack,
                health.size(), median, max);
        assertThat(health).isNotEmpty();
    }
}
