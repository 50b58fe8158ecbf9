package io.kfrelay.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty classes behind one resolved {@link TransportKind}: the I/O handler for event loops and the
 * socket channel types that go with it (a channel only registers on a loop of its own kind).
 */
public final class NettyTransport {
    private final TransportKind kind;

    private NettyTransport(TransportKind kind) {
        this.kind = kind;
    }

    /** Resolves {@code requested} (AUTO picks the best available) and returns its Netty classes. */
    public static NettyTransport select(TransportKind requested) {
        return new NettyTransport(requested.resolve());
    }

    /** The concrete kind in use (never AUTO). */
    public TransportKind kind() {
        return kind;
    }

    /** A group of {@code threads} event loops named {@code namePrefix-N}. */
    public MultiThreadIoEventLoopGroup newEventLoopGroup(int threads, String namePrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(namePrefix, false), ioHandlers());
    }

    private IoHandlerFactory ioHandlers() {
        return switch (kind) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
            case AUTO -> throw new AssertionError("resolved kinds are never AUTO");
        };
    }

    public Class<? extends ServerSocketChannel> serverChannelClass() {
        return switch (kind) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
            case AUTO -> throw new AssertionError("resolved kinds are never AUTO");
        };
    }

    public Class<? extends SocketChannel> socketChannelClass() {
        return switch (kind) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
            case AUTO -> throw new AssertionError("resolved kinds are never AUTO");
        };
    }

    /** Lower-case name for logs and messages, e.g. "io_uring". */
    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
