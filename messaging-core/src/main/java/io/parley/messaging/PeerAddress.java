package io.parley.messaging;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A peer's id and where to dial it, written {@code id=host:port} (IPv6 hosts in brackets:
 * {@code id=[::1]:7000}).
 *
 * @param id the peer's node id
 * @param host host name or address literal, without brackets
 * @param port TCP port, 1 to 65535
 */
public record PeerAddress(NodeId id, String host, int port) {

    /** The longest host name or address a peer address may have: 253 characters, the longest DNS name. */
    public static final int MAX_HOST_LENGTH = 253;

    /**
     * Validates a peer address.
     *
     * @throws IllegalArgumentException if the host is blank or longer than {@value #MAX_HOST_LENGTH} characters
     *     (the longest DNS name), or the port is outside 1..65535
     */
    public PeerAddress {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("peer " + id + ": host must not be empty");
        }
        if (host.length() > MAX_HOST_LENGTH) {
            throw new IllegalArgumentException("peer " + id + ": host must be at most " + MAX_HOST_LENGTH
                    + " characters, got " + host.length());
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("peer " + id + ": port must be between 1 and 65535, got " + port);
        }
    }

    /**
     * Parses {@code id=host:port}.
     *
     * @throws IllegalArgumentException with a sentence naming the problem when the text is malformed
     */
    public static PeerAddress parse(String text) {
        Objects.requireNonNull(text, "peer address");
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("peer '" + text + "' must be written ID=HOST:PORT");
        }
        NodeId id = new NodeId(text.substring(0, eq).trim());
        HostPort hp = HostPort.parse(text.substring(eq + 1).trim(), "peer " + id);
        return new PeerAddress(id, hp.host(), hp.port());
    }

    /** The address to dial (resolved lazily by the transport). */
    public InetSocketAddress socketAddress() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String hostPort() {
        return HostPort.format(host, port);
    }

    @Override
    public String toString() {
        return id + "=" + hostPort();
    }

    /** {@code host:port} parsing shared with the listen address. */
    record HostPort(String host, int port) {

        static HostPort parse(String text, String what) {
            String host;
            String portText;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException(what + ": '" + text + "' must be written [IPV6]:PORT");
                }
                host = text.substring(1, close);
                portText = text.substring(close + 2);
            } else {
                int colon = text.lastIndexOf(':');
                if (colon <= 0 || colon == text.length() - 1) {
                    throw new IllegalArgumentException(what + ": '" + text + "' must be written HOST:PORT");
                }
                host = text.substring(0, colon);
                portText = text.substring(colon + 1);
                if (host.indexOf(':') >= 0) {
                    throw new IllegalArgumentException(what + ": IPv6 address '" + text + "' needs brackets, as [" + host + "]:" + portText);
                }
            }
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": port '" + portText + "' is not a number");
            }
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(what + ": port must be between 0 and 65535, got " + port);
            }
            return new HostPort(host, port);
        }

        static String format(String host, int port) {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }
}
