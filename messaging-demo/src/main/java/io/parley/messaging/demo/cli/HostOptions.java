package io.parley.messaging.demo.cli;

import io.parley.messaging.NodeBuilder;
import io.parley.messaging.demo.http.ApiToken;
import io.parley.messaging.demo.http.HttpSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Options of every command that runs nodes ({@code local} and {@code node}). */
final class HostOptions {

    @Option(names = "--json", description = "Print every event as one JSON object per line (for scripts).")
    boolean json;

    @Option(names = "--http", paramLabel = "[HOST:]PORT", converter = Endpoint.LoopbackConverter.class,
            description = "Serve the HTTP API there (port 0: one the system chooses; host default 127.0.0.1).")
    Endpoint http;

    @Option(names = "--http-token-file", paramLabel = "FILE",
            description = "The HTTP API's bearer token (its first line). Default: made once into the data directory "
                    + "as http-token, readable by its owner only.")
    Path httpTokenFile;

    @Option(names = "--http-host", paramLabel = "NAME",
            description = "A name clients reach the HTTP API by, allowed in the Host header besides addresses and "
                    + "localhost (repeatable).")
    List<String> httpHosts = new ArrayList<>();

    @Option(names = "--http-tls-cert", paramLabel = "FILE",
            description = "Serve the HTTP API over TLS (HTTPS only) with this certificate chain (PEM). Needs --http-tls-key.")
    Path httpTlsCert;

    @Option(names = "--http-tls-key", paramLabel = "FILE", description = "The private key of --http-tls-cert (PEM, PKCS#8, unencrypted).")
    Path httpTlsKey;

    @Option(names = "--http-tls-ca", paramLabel = "FILE",
            description = "Require a client certificate signed by these CA certificates (PEM) on every HTTPS connection.")
    Path httpTlsCa;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "60s",
            description = "At the end of input, wait this long for pending receipts (e.g. 120s). Default: ${DEFAULT-VALUE}.")
    Duration drainTimeout;

    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = NodeBuilder.DEFAULT_CLUSTER,
            description = "Cluster name; nodes talk only within one. Default: ${DEFAULT-VALUE}.")
    String cluster;

    @Option(names = "--verbose", description = "Log to the console too, and show stack traces of errors.")
    boolean verbose;

    @Option(names = "--cluster-secret-file", paramLabel = "FILE",
            description = "Every handshake proves that both nodes hold this secret: the file's bytes (at least "
                    + NodeBuilder.MIN_CLUSTER_SECRET_BYTES + ", one trailing newline dropped), the same on every node, "
                    + "e.g. made by 'openssl rand -base64 32'. It authenticates nodes; it does not encrypt (--tls-* does).")
    Path clusterSecretFile;

    /**
     * The bytes of {@code --cluster-secret-file} without one trailing newline (LF or CRLF), or null without the
     * option. Read before anything is started, so that a bad file is a bad argument.
     *
     * @throws ParameterException if the file cannot be read or holds too few bytes
     */
    byte[] clusterSecret(CommandSpec spec) {
        if (clusterSecretFile == null) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(clusterSecretFile);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--cluster-secret-file: cannot read " + clusterSecretFile
                    + ": " + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
        }
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\n') {
            length--;
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
        }
        byte[] secret = Arrays.copyOf(bytes, length);
        Arrays.fill(bytes, (byte) 0);
        if (secret.length < NodeBuilder.MIN_CLUSTER_SECRET_BYTES) {
            throw new ParameterException(spec.commandLine(), "--cluster-secret-file: " + clusterSecretFile + " holds "
                    + secret.length + " bytes; a cluster secret needs at least " + NodeBuilder.MIN_CLUSTER_SECRET_BYTES
                    + " (make one with 'openssl rand -base64 32 > " + clusterSecretFile.getFileName() + "')");
        }
        return secret;
    }

    /** The HTTP API as the options say, and the file its token is in. */
    record Http(HttpSettings settings, Path tokenFile) {
    }

    /**
     * The HTTP API's settings, null without {@code --http}: its token read from {@code --http-token-file}, or from
     * {@code dataDir}/http-token, made now if missing.
     *
     * @throws ParameterException for a bad {@code --http-host}
     * @throws io.parley.messaging.demo.node.DemoException if the token file cannot be read or made
     */
    Http http(CommandSpec spec, Path dataDir) {
        if (http == null) {
            if (httpTokenFile != null || !httpHosts.isEmpty() || httpTlsCert != null || httpTlsKey != null || httpTlsCa != null) {
                throw new ParameterException(spec.commandLine(), "--http-token-file, --http-host and --http-tls-* need --http");
            }
            return null;
        }
        Path file = (httpTokenFile != null ? httpTokenFile : dataDir.resolve(ApiToken.FILE_NAME)).toAbsolutePath().normalize();
        String token = httpTokenFile != null ? ApiToken.read(file) : ApiToken.readOrCreate(dataDir);
        HttpSettings.Builder b = HttpSettings.builder(token).listen(http.host(), http.port());
        for (String name : httpHosts) {
            try {
                b.hostName(name);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--http-host: " + e.getMessage());
            }
        }
        if (httpTlsCert != null || httpTlsKey != null || httpTlsCa != null) {
            if (httpTlsCert == null || httpTlsKey == null) {
                throw new ParameterException(spec.commandLine(), "HTTPS needs both --http-tls-cert and --http-tls-key");
            }
            try {
                b.tls(httpTlsCert, httpTlsKey, httpTlsCa);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--http-tls-*: " + e.getMessage());
            }
        }
        return new Http(b.build(), file);
    }
}
