package io.parley.messaging.internal.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.parley.messaging.Limit;
import io.parley.messaging.ListenException;
import io.parley.messaging.NodeId;
import io.parley.messaging.PeerAddress;
import io.parley.messaging.internal.LogLimiter;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Frame;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the listening socket and dials peers, every channel with the pipeline of {@link NodeChannelInitializer}.
 * Keeps every open channel so that {@link #closeAll} can close them at shutdown, and counts them against the
 * connection limits ({@link ConnectionBudget}): an accepted connection past a limit is closed before a byte of it is
 * read, with a log line (at most one every 10 s) and the limit counted.
 */
public final class Transport {

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private final ChannelSettings settings;
    private final Ports ports;
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup("parley", GlobalEventExecutor.INSTANCE);
    private final OffLoopResolverGroup resolver;
    private final ConnectionBudget budget;
    private Channel server;

    /**
     * @param blocking where host names are resolved, never an event loop; the caller owns and shuts it down
     */
    public Transport(ChannelSettings settings, Ports ports, EventLoopGroup group, Executor blocking) {
        this.settings = settings;
        this.ports = ports;
        this.group = group;
        this.resolver = new OffLoopResolverGroup(blocking);
        this.budget = new ConnectionBudget(settings.limits());
    }

    /**
     * Binds the listening socket, blocking the caller (never an event loop) until it is bound.
     *
     * @throws ListenException if it cannot be bound, naming the address and the system's reason
     */
    public InetSocketAddress bind(InetSocketAddress address) throws InterruptedException {
        NodeChannelInitializer initializer = new NodeChannelInitializer(settings, ports, true, null);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        Limit refused = budget.admit(ch);
                        if (refused != null) {
                            refuse(ch, refused);
                            return;
                        }
                        channels.add(ch);
                        ch.pipeline().addLast(PipelineNames.HANDSHAKE_SLOT, new HandshakeSlot(budget));
                        ch.pipeline().addLast(initializer);
                    }
                });
        ChannelFuture bound = b.bind(address).await();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new ListenException("cannot listen on " + address.getHostString() + ":" + address.getPort() + ": "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.toString()), cause);
        }
        server = bound.channel();
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * Dials {@code peer} on {@code loop}; the outcome arrives through {@link HandshakeEvents} (established or
     * dialFailed) or, when the TCP connection itself fails, through the returned future.
     */
    public ChannelFuture dial(PeerAddress peer, EventLoop loop, Duration connectTimeout) {
        return dial(peer.host(), peer.port(), peer.id(), loop, connectTimeout);
    }

    /**
     * Dials {@code host:port} on {@code loop}, expecting node {@code expectedPeer} to answer, or any node if it is
     * null (a seed, or an address found through DNS); otherwise as {@link #dial(PeerAddress, EventLoop, Duration)}.
     */
    public ChannelFuture dial(String host, int port, NodeId expectedPeer, EventLoop loop, Duration connectTimeout) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new NodeChannelInitializer(settings, ports, false, expectedPeer));
        ChannelFuture f = b.connect(InetSocketAddress.createUnresolved(host, port));
        channels.add(f.channel());
        budget.dialled(f.channel());
        return f;
    }

    private void refuse(Channel ch, Limit limit) {
        settings.limitCounters().reached(limit);
        long skipped = settings.limitCounters().logs().permit("refused-" + limit);
        if (skipped >= 0) {
            log.warn("{}: refusing connection from {}: {}{}", settings.self(), ch.remoteAddress(), budget.describe(limit),
                    LogLimiter.skipped(skipped));
        }
        if (settings.tls() != null) {
            ch.close(); // an Error frame in clear would mean nothing to a TLS client
            return;
        }
        // The pipeline is empty: the frame goes out as the bytes it is, and nothing is read.
        Frame error = Frames.error(Error.Code.CODE_TOO_MANY_CONNECTIONS, budget.describe(limit) + "; retry later");
        byte[] body = error.toByteArray();
        ch.writeAndFlush(Unpooled.buffer(4 + body.length).writeInt(body.length).writeBytes(body))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Connections open now, accepted and dialled. */
    public int openConnections() {
        return budget.open();
    }

    /** Stops accepting connections. */
    public void closeServer() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
    }

    /** Closes every open connection and waits for them to be closed. */
    public void closeAll() {
        channels.close().awaitUninterruptibly();
        resolver.close();
    }
}
