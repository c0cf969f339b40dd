package io.parley.messaging.internal.membership;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Recognises this node's own addresses, so that it does not dial itself when a seed list, a DNS name or gossip
 * names it: its advertised address, its bound address, loopback at its port when it listens on every interface,
 * and any address that turned out to lead back to it (a Hello carrying its own id and
 * incarnation, answered with {@code CODE_DIALLED_SELF}). Thread-safe.
 */
final class SelfAddress {

    private final Supplier<String> advertised;
    private final Supplier<InetSocketAddress> bound;
    private final Set<String> learned = ConcurrentHashMap.newKeySet();

    SelfAddress(Supplier<String> advertised, Supplier<InetSocketAddress> bound) {
        this.advertised = advertised;
        this.bound = bound;
    }

    /** Whether {@code hostPort} is known to be this node; cheap and without name resolution. */
    boolean isSelf(String hostPort) {
        if (learned.contains(hostPort) || hostPort.equals(advertised.get())) {
            return true;
        }
        InetSocketAddress b = bound.get();
        if (b == null) {
            return false;
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0 || !hostPort.substring(colon + 1).equals(Integer.toString(b.getPort()))) {
            return false;
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        InetAddress ip = b.getAddress();
        if (host.equals(ip.getHostAddress())) {
            return true;
        }
        boolean loopbackHost = host.equals("localhost") || host.startsWith("127.") || host.equals("::1")
                || host.equals("0:0:0:0:0:0:0:1");
        return loopbackHost && ip.isAnyLocalAddress();
    }

    /**
     * Whether {@code ip} at {@code port} reaches this node: its bound address, or, when it listens on every
     * interface, any address of this host. May query the network interfaces: call it off the event loops.
     */
    boolean isLocal(InetAddress ip, int port) {
        InetSocketAddress b = bound.get();
        if (b == null || port != b.getPort()) {
            return false;
        }
        if (isSelf(Members.hostPort(ip.getHostAddress(), port))) {
            return true;
        }
        if (!b.getAddress().isAnyLocalAddress()) {
            return ip.equals(b.getAddress());
        }
        try {
            return ip.isLoopbackAddress() || ip.isAnyLocalAddress() || NetworkInterface.getByInetAddress(ip) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** {@code hostPort} led back to this node: never dial it again. */
    void learn(String hostPort) {
        learned.add(hostPort);
    }
}
