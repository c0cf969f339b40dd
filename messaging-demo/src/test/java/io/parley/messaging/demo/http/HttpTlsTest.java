package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.TestCertificates;
import io.parley.messaging.demo.cli.HealthCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The API over TLS: a request with the token works over HTTPS; plain HTTP to the TLS port gets no answer and no hang. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpTlsTest {

    @Test
    void aRequestOverTlsWorksAndPlainHttpToTheTlsPortFailsCleanly(@TempDir Path dir) throws Exception {
        TestCertificates.Ca ca = TestCertificates.Ca.create("api-ca", dir);
        TestCertificates.NodeFiles server = ca.issue("api", "api", "localhost");
        try (ApiFixture f = new ApiFixture(false, b -> b.tls(server.certificate(), server.key(), null), "https")) {
            HttpClient client = HttpClient.newBuilder().sslContext(trusting(ca.certificateFile())).build();
            HttpResponse<String> peers = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + f.port + "/peers"))
                    .header("Authorization", "Bearer " + ApiFixture.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(peers.statusCode()).isEqualTo(200);
            assertThat(peers.body()).contains("\"id\":\"b\"");
            assertThat(f.api.secure()).isTrue();

            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", f.port), 5_000);
                plain.setSoTimeout(5_000);
                OutputStream out = plain.getOutputStream();
                out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = plain.getInputStream();
                byte[] answer = in.readNBytes(64); // up to the close: at most a TLS alert, never an HTTP answer
                assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
            } catch (IOException reset) {
                // closed by the server: clean too
            }

            int health = health("--insecure", "--timeout", "5s", "https://127.0.0.1:" + f.port + "/health");
            assertThat(health).isZero();
            assertThat(health("--timeout", "5s", "https://127.0.0.1:" + f.port + "/health"))
                    .as("without --insecure, a certificate the JDK does not trust").isEqualTo(1);
        }
    }

    private static int health(String... args) {
        CommandLine cli = new CommandLine(new HealthCommand());
        cli.setOut(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        cli.setErr(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        return cli.execute(args);
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream in = java.nio.file.Files.newInputStream(caFile)) {
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
