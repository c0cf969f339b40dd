package io.parley.messaging.internal.transport;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Resolves host names with the platform resolver (so /etc/hosts, container DNS and search domains behave as
 * everywhere else in the JVM) on a thread of its own rather than on the event loop, where a slow DNS server
 * would stall every connection sharing the loop.
 */
final class OffLoopResolverGroup extends AddressResolverGroup<InetSocketAddress> {

    private final Executor blocking;

    OffLoopResolverGroup(Executor blocking) {
        this.blocking = blocking;
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new InetNameResolver(executor) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                blocking.execute(() -> {
                    try {
                        InetAddress address = InetAddress.getByName(host);
                        if (!executor.isShuttingDown()) { // the node closed meanwhile: nobody waits for the dial
                            promise.trySuccess(address);
                        }
                    } catch (UnknownHostException | SecurityException e) {
                        if (!executor.isShuttingDown()) {
                            promise.tryFailure(e);
                        }
                    }
                });
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                blocking.execute(() -> {
                    try {
                        List<InetAddress> all = Arrays.asList(InetAddress.getAllByName(host));
                        if (!executor.isShuttingDown()) {
                            promise.trySuccess(all);
                        }
                    } catch (UnknownHostException | SecurityException e) {
                        if (!executor.isShuttingDown()) {
                            promise.tryFailure(e);
                        }
                    }
                });
            }
        }.asAddressResolver();
    }
}
