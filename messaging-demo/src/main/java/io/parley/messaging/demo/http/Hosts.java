package io.parley.messaging.demo.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Host names and address literals, as the {@code Host} check and the bind warning see them. */
final class Hosts {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private Hosts() {
    }

    /** An IPv4 dotted quad or an IPv6 literal (without brackets): never a name DNS could rebind. */
    static boolean isIpLiteral(String host) {
        if (IPV4.matcher(host).matches()) {
            return true;
        }
        if (host.indexOf(':') < 0) {
            return false;
        }
        try {
            // a string with a colon is never looked up: it is parsed as an IPv6 literal or refused
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** Whether listening on {@code host} keeps the API on this machine. */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!isIpLiteral(host)) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The host part of a {@code Host} header or an origin's authority, lower case and without brackets or port; null
     * when it is not {@code host[:port]}.
     */
    static String hostOf(String authority) {
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        String a = authority.trim().toLowerCase(Locale.ROOT);
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0 || (close + 1 < a.length() && !validPort(a.substring(close + 1)))) {
                return null;
            }
            return a.substring(1, close);
        }
        int colon = a.indexOf(':');
        if (colon >= 0 && (a.indexOf(':', colon + 1) >= 0 || !validPort(a.substring(colon)))) {
            return null;
        }
        String host = colon < 0 ? a : a.substring(0, colon);
        return host.isEmpty() ? null : host;
    }

    private static boolean validPort(String colonPort) {
        return colonPort.length() > 1 && colonPort.length() <= 6 && colonPort.charAt(0) == ':'
                && colonPort.substring(1).chars().allMatch(Character::isDigit);
    }
}
