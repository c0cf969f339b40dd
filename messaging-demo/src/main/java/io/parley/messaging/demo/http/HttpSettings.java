package io.parley.messaging.demo.http;

import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the HTTP API listens and what it lets in: immutable, made by {@link #builder(String)}. The defaults are the limits
 * README's table states; tests shorten the timeouts.
 */
public final class HttpSettings {

    /** Connections open at once; past it the API stops accepting until one closes (they wait in the backlog). */
    public static final int DEFAULT_MAX_CONNECTIONS = 1_024;
    /** A connection with no bytes either way for this long is closed. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** A request body must have arrived in full this long after its headers, or the request is refused with 408. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
    /** Largest request body: a message's text is at most 1 MiB, which JSON escaping may double. */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
    /** Largest request line and headers together; past it 431. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    /** Threads that run handlers (each on a request whose body is in full) and Jetty's acceptor and selector. */
    public static final int DEFAULT_THREADS = 16;
    /** Clients of {@code GET /events} at once (each has a thread of its own that writes to it); past it 503. */
    public static final int DEFAULT_MAX_EVENT_STREAMS = 64;
    /** Events buffered for one client of {@code GET /events}; a client that lets more wait is cut. */
    public static final int DEFAULT_EVENT_BUFFER = 1_024;
    /** Longest an event stream stays silent: then it sends a comment, so that the idle timeout does not close it. */
    public static final Duration DEFAULT_EVENT_HEARTBEAT = Duration.ofSeconds(15);

    private final String host;
    private final int port;
    private final String token;
    private final Set<String> hostNames;
    private final int maxConnections;
    private final Duration idleTimeout;
    private final Duration bodyTimeout;
    private final int maxBodyBytes;
    private final int maxHeaderBytes;
    private final int threads;
    private final int maxEventStreams;
    private final int eventBuffer;
    private final SSLContext tls;
    private final boolean clientCertificates;

    private HttpSettings(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.token = b.token;
        this.hostNames = Set.copyOf(b.hostNames);
        this.maxConnections = b.maxConnections;
        this.idleTimeout = b.idleTimeout;
        this.bodyTimeout = b.bodyTimeout;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.threads = b.threads;
        this.maxEventStreams = b.maxEventStreams;
        this.eventBuffer = b.eventBuffer;
        this.tls = b.tls;
        this.clientCertificates = b.clientCertificates;
    }

    /** Settings for an API that every request but {@code /health} must show {@code token} to. */
    public static Builder builder(String token) {
        return new Builder(token);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    String token() {
        return token;
    }

    /** Names the {@code Host} header may carry besides IP literals and {@code localhost}, lower case. */
    Set<String> hostNames() {
        return hostNames;
    }

    int maxConnections() {
        return maxConnections;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    Duration bodyTimeout() {
        return bodyTimeout;
    }

    int maxBodyBytes() {
        return maxBodyBytes;
    }

    int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    int threads() {
        return threads;
    }

    int maxEventStreams() {
        return maxEventStreams;
    }

    int eventBuffer() {
        return eventBuffer;
    }

    /** The TLS context, null for plain HTTP. */
    SSLContext tls() {
        return tls;
    }

    boolean clientCertificates() {
        return clientCertificates;
    }

    /** Builds {@link HttpSettings}; each setter validates its argument. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private final String token;
        private final Set<String> hostNames = new TreeSet<>();
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int threads = DEFAULT_THREADS;
        private int maxEventStreams = DEFAULT_MAX_EVENT_STREAMS;
        private int eventBuffer = DEFAULT_EVENT_BUFFER;
        private SSLContext tls;
        private boolean clientCertificates;

        private Builder(String token) {
            this.token = ApiToken.check(token);
        }

        /** Where to listen; default {@code 127.0.0.1:0} (port 0: one the system chooses). */
        public Builder listen(String host, int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port " + port + " is outside 0 to 65535");
            }
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            if (!Hosts.isIpLiteral(host)) {
                hostNames.add(host.toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /** A name clients reach the API by (a DNS name, a container's name), allowed in {@code Host}; none by default. */
        public Builder hostName(String name) {
            if (name == null || name.isBlank() || name.contains(":") || name.contains("/")) {
                throw new IllegalArgumentException("'" + name + "' is not a host name");
            }
            hostNames.add(name.toLowerCase(Locale.ROOT));
            return this;
        }

        /** Default {@value #DEFAULT_MAX_CONNECTIONS}; at least 2. */
        public Builder maxConnections(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("maxConnections must be at least 2, got " + n);
            }
            this.maxConnections = n;
            return this;
        }

        /** Default 30 s; positive. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive(d, "idleTimeout");
            return this;
        }

        /** Default 10 s; positive. */
        public Builder bodyTimeout(Duration d) {
            this.bodyTimeout = positive(d, "bodyTimeout");
            return this;
        }

        /** Default 4 MiB; at least 1 KiB. */
        public Builder maxBodyBytes(int n) {
            if (n < 1024) {
                throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + n);
            }
            this.maxBodyBytes = n;
            return this;
        }

        /** Default {@value #DEFAULT_THREADS}; at least 6 (Jetty keeps some for accepting and selecting). */
        public Builder threads(int n) {
            if (n < 6) {
                throw new IllegalArgumentException("threads must be at least 6, got " + n);
            }
            this.threads = n;
            return this;
        }

        /** Default {@value #DEFAULT_MAX_EVENT_STREAMS}; at least 1. */
        public Builder maxEventStreams(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxEventStreams must be at least 1, got " + n);
            }
            this.maxEventStreams = n;
            return this;
        }

        /** Default {@value #DEFAULT_EVENT_BUFFER}; at least 1. */
        public Builder eventBuffer(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("eventBuffer must be at least 1, got " + n);
            }
            this.eventBuffer = n;
            return this;
        }

        /**
         * HTTPS only, with this certificate chain and its PKCS#8 key (PEM); with {@code clientCa} (may be null) every
         * client must show a certificate it signs. Default: plain HTTP. The files are read now.
         *
         * @throws IllegalArgumentException naming the file and the reason when one cannot be used
         */
        public Builder tls(Path certificateChain, Path privateKey, Path clientCa) {
            this.tls = PemTls.context(Objects.requireNonNull(certificateChain, "certificateChain"),
                    Objects.requireNonNull(privateKey, "privateKey"), clientCa);
            this.clientCertificates = clientCa != null;
            return this;
        }

        public HttpSettings build() {
            return new HttpSettings(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
