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
                lookUp(executor, promise, () -> InetAddress.getByName(host));
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                lookUp(executor, promise, () -> Arrays.asList(InetAddress.getAllByName(host)));
            }
        }.asAddressResolver();
    }

    private interface Lookup<T> {
        T run() throws UnknownHostException;
    }

    /** Runs {@code lookup} on the blocking executor and completes {@code promise}, unless its node closed meanwhile. */
    private <T> void lookUp(EventExecutor executor, Promise<T> promise, Lookup<T> lookup) {
        blocking.execute(() -> {
            T result = null;
            Exception failure = null;
            try {
                result = lookup.run();
            } catch (UnknownHostException | SecurityException e) {
                failure = e;
            }
            if (executor.isShuttingDown()) {
                return; // nobody waits for the dial, and the closed loop would refuse the notification
            }
            if (failure == null) {
                promise.trySuccess(result);
            } else {
                promise.tryFailure(failure);
            }
        });
    }
}
