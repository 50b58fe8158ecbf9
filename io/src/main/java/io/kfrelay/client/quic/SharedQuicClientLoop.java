package io.kfrelay.client.quic;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The I/O threads QUIC clients use when their options name none: daemon threads, created on first use. */
final class SharedQuicClientLoop {
    private SharedQuicClientLoop() {
    }

    private static final class Holder {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("kfrelay-quic-client", true), NioIoHandler.newFactory());
    }

    static EventLoopGroup group() {
        return Holder.GROUP;
    }
}
