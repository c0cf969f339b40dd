package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.messaging.TestCertificates;
import io.parley.messaging.demo.cli.HealthCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The API over TLS: a request with the token works over HTTPS; plain HTTP to the TLS port gets no answer and no hang;
 * with {@code --http-tls-ca}, a client without a certificate that CA signed is refused at the handshake.
 */
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

    @Test
    void withAClientCaOnlyAClientWithACertificateItSignedGetsInAndStillNeedsTheToken(@TempDir Path dir) throws Exception {
        TestCertificates.Ca serverCa = TestCertificates.Ca.create("api-ca", dir);
        TestCertificates.Ca clientCa = TestCertificates.Ca.create("client-ca", dir);
        TestCertificates.Ca strangerCa = TestCertificates.Ca.create("stranger-ca", dir);
        TestCertificates.NodeFiles server = serverCa.issue("api", "api", "localhost");
        TestCertificates.NodeFiles operator = clientCa.issue("operator");
        TestCertificates.NodeFiles stranger = strangerCa.issue("stranger");
        try (ApiFixture f = new ApiFixture(false, b -> b.tls(server.certificate(), server.key(), clientCa.certificateFile()),
                "https")) {
            URI peers = URI.create("https://localhost:" + f.port + "/peers");
            HttpClient withCertificate = HttpClient.newBuilder()
                    .sslContext(context(operator.keyManagers().getKeyManagers(), serverCa.certificateFile())).build();
            HttpResponse<String> in = withCertificate.send(HttpRequest.newBuilder(peers)
                    .header("Authorization", "Bearer " + ApiFixture.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(in.statusCode()).isEqualTo(200);
            assertThat(in.body()).contains("\"id\":\"b\"");
            HttpResponse<String> noToken = withCertificate.send(HttpRequest.newBuilder(peers).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(noToken.statusCode()).as("a client certificate does not stand for the token").isEqualTo(401);

            // no certificate, or one another CA signed: the handshake fails, no HTTP answer, not even to GET /health
            // (the alert, bad_certificate or certificate_required, or a broken pipe if the server closed first)
            refusedAtHandshake(f.port, null, serverCa.certificateFile());
            refusedAtHandshake(f.port, stranger.keyManagers().getKeyManagers(), serverCa.certificateFile());
            HttpClient without = HttpClient.newBuilder().sslContext(context(null, serverCa.certificateFile())).build();
            assertThatThrownBy(() -> without.send(HttpRequest.newBuilder(peers)
                    .header("Authorization", "Bearer " + ApiFixture.TOKEN).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    /**
     * Connects over TLS with {@code keys} (null: no certificate) and asks {@code GET /health}; asserts that no HTTP answer
     * comes (the server's alert ends the handshake, which TLS 1.3 may report at the first read).
     */
    private static void refusedAtHandshake(int port, KeyManager[] keys, Path trustedCa) throws Exception {
        SSLSocketFactory factory = context(keys, trustedCa).getSocketFactory();
        try (SSLSocket s = (SSLSocket) factory.createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(5_000);
            try {
                s.startHandshake();
                OutputStream out = s.getOutputStream();
                out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int first = s.getInputStream().read();
                throw new AssertionError("the server answered a client it should have refused: "
                        + (first < 0 ? "a clean close" : "byte " + first));
            } catch (SSLException | SocketException refused) {
                System.out.printf("[http-tls] refused at the handshake: %s%n", refused);
            }
        }
    }

    private static int health(String... args) {
        CommandLine cli = new CommandLine(new HealthCommand());
        cli.setOut(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        cli.setErr(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        return cli.execute(args);
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        return context(null, caFile);
    }

    /** A TLS context trusting the CA of {@code caFile}, presenting the certificate of {@code keys} (null: none). */
    private static SSLContext context(KeyManager[] keys, Path caFile) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream in = java.nio.file.Files.newInputStream(caFile)) {
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, tmf.getTrustManagers(), null);
        return ctx;
    }
}
