package io.kfrelay.client.ws;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The I/O threads clients use when their options name none: created on first use, daemon threads, so a
 * program that forgets to close a client can still exit. Two threads: a client process is rarely busier.
 */
final class SharedClientLoop {
    private SharedClientLoop() {
    }

    private static final class Holder {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("kfrelay-client", true), NioIoHandler.newFactory());
    }

    static EventLoopGroup group() {
        return Holder.GROUP;
    }
}
