package io.parley.messaging.internal.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DefaultSocketChannelConfig;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * An {@link EmbeddedChannel} that passes for a {@link SocketChannel}, so that {@link NodeChannelInitializer} (a
 * {@code ChannelInitializer<SocketChannel>} that sets TCP options) can build its real pipeline on it. The socket
 * options go to an unconnected {@link Socket} that is closed with the channel.
 */
final class EmbeddedSocketChannel extends EmbeddedChannel implements SocketChannel {

    private Socket socket;
    private SocketChannelConfig socketConfig;

    EmbeddedSocketChannel() {
        super(false, false);
    }

    @Override
    public SocketChannelConfig config() {
        // Lazily: the superclass constructor already asks for the config.
        if (socketConfig == null) {
            socket = new Socket();
            socketConfig = new DefaultSocketChannelConfig(this, socket);
        }
        return socketConfig;
    }

    @Override
    public ServerSocketChannel parent() {
        return null;
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 7000);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    protected void doClose() throws Exception {
        super.doClose();
        if (socket != null) {
            socket.close();
        }
    }

    @Override
    public boolean isInputShutdown() {
        return !isActive();
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return promise.setFailure(new UnsupportedOperationException("half-close is not simulated"));
    }

    @Override
    public boolean isOutputShutdown() {
        return !isActive();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        return promise.setFailure(new UnsupportedOperationException("half-close is not simulated"));
    }

    @Override
    public boolean isShutdown() {
        return !isActive();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        return promise.setFailure(new UnsupportedOperationException("half-close is not simulated"));
    }

    /** Registers the channel, which runs any initializer in its pipeline and makes it active. */
    EmbeddedSocketChannel start() {
        try {
            register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return this;
    }
}
