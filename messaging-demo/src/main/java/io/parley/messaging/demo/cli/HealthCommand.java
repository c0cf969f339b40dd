package io.parley.messaging.demo.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code health URL}: exits 0 if a GET of the URL answers 2xx, 1 otherwise. A container's HEALTHCHECK on an image with
 * no shell and no curl: {@code ["java", "-jar", "/app/parley.jar", "health", "http://127.0.0.1:8080/health"]}.
 *
 * <p>On {@link HttpURLConnection}, so it needs nothing beyond {@code java.base} and loads little: it runs in a JVM of its
 * own at every check.
 */
@Command(name = "health", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a node's HTTP API: exit 0 if a GET of URL answers 2xx (its body is printed), 1 otherwise.",
                "", "For a container's HEALTHCHECK: health http://127.0.0.1:8080/health",
                "An API on HTTPS: health --insecure https://127.0.0.1:8080/health (or a certificate the JDK trusts)."})
public final class HealthCommand implements Callable<Integer> {

    /** Exit code when the URL does not answer 2xx: that of any command that failed. */
    static final int UNHEALTHY = 1;

    /** Most of the answer printed; Docker keeps 4 KiB of a check's output. */
    static final int MAX_PRINTED = 1_024;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "URL", description = "What to GET, e.g. http://127.0.0.1:8080/health.")
    String url;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "3s",
            description = "Give up after this long, to connect and to read. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--insecure",
            description = "For an https URL: do not check the API's certificate (a HEALTHCHECK of 127.0.0.1 sends no secret).")
    boolean insecure;

    @Override
    public Integer call() {
        URL target = parse();
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new ParameterException(spec.commandLine(), "--timeout must be positive, like 3s");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) target.openConnection();
            if (insecure && c instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(TrustAll.CONTEXT.getSocketFactory());
                https.setHostnameVerifier((host, session) -> true);
            }
            c.setConnectTimeout((int) timeout.toMillis());
            c.setReadTimeout((int) timeout.toMillis());
            c.setInstanceFollowRedirects(false);
            int status = c.getResponseCode();
            boolean ok = status >= 200 && status < 300;
            String body = read(ok ? c.getInputStream() : c.getErrorStream());
            if (ok) {
                out.println(body);
                out.flush();
                return 0;
            }
            err.println("parley: " + url + " answered " + status + (body.isEmpty() ? "" : ": " + body));
        } catch (IOException e) {
            err.println("parley: " + url + " did not answer: " + e);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
        err.flush();
        return UNHEALTHY;
    }

    private URL parse() {
        try {
            URI uri = new URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new ParameterException(spec.commandLine(), "URL '" + url
                        + "' must be http://HOST:PORT/PATH or https://HOST:PORT/PATH, like http://127.0.0.1:8080/health");
            }
            return uri.toURL();
        } catch (URISyntaxException | MalformedURLException e) {
            throw new ParameterException(spec.commandLine(), "URL '" + url + "' is not a URL: " + e.getMessage());
        }
    }

    /** An SSL context that takes any server certificate: {@code --insecure}. */
    private static final class TrustAll {
        static final SSLContext CONTEXT = context();

        private static SSLContext context() {
            X509TrustManager any = new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            };
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {any}, null);
                return ctx;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK has no TLS", e);
            }
        }
    }

    private static String read(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            byte[] head = in.readNBytes(MAX_PRINTED);
            return new String(head, StandardCharsets.UTF_8).strip();
        }
    }
}
