package io.parley.messaging.demo.cli;

import java.net.InetSocketAddress;
import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A {@code HOST:PORT} given on the command line ({@code [::1]:7000} for IPv6), for {@code --listen}, {@code --http}
 * and {@code --seed}. Port 0 lets the system choose where that makes sense.
 *
 * @param host host name or address literal, without brackets
 * @param port 0 to 65535
 */
record Endpoint(String host, int port) {

    Endpoint {
        Objects.requireNonNull(host, "host");
    }

    /**
     * Parses {@code HOST:PORT}.
     *
     * @throws IllegalArgumentException with one sentence saying what is wrong
     */
    static Endpoint parse(String text) {
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' must be written [IPV6]:PORT");
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1) {
                throw new IllegalArgumentException("'" + text + "' must be written HOST:PORT, like 127.0.0.1:7001");
            }
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("'" + text + "' needs brackets around the IPv6 address, as [" + host + "]:" + port);
            }
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' has no host");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has port '" + port + "', which is not a number");
        }
        if (p < 0 || p > 65_535) {
            throw new IllegalArgumentException("'" + text + "' has port " + p + ", outside 0 to 65535");
        }
        return new Endpoint(host, p);
    }

    /** The socket address, resolved now. */
    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /** picocli's converter for {@code --http}: {@code HOST:PORT}, or a bare {@code PORT} on 127.0.0.1. */
    static final class LoopbackConverter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            String t = value.trim();
            return new Converter().convert(!t.isEmpty() && t.chars().allMatch(Character::isDigit) ? "127.0.0.1:" + t : t);
        }
    }

    /** picocli's converter for options of this type. */
    static final class Converter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
