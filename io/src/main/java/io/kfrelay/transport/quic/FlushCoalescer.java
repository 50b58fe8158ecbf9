package io.kfrelay.transport.quic;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

/**
 * Sits on a UDP socket's pipeline under the QUIC codec and turns the many flushes of one fan-out (every
 * connection's drain flushes its own packets) into one: the first flush schedules a single real flush at the end
 * of the event loop's current batch of tasks, so the datagrams of all this socket's connections in a room (with
 * several sockets, each has its own share of the room, its own loop and its own coalescer) leave in one
 * {@code sendmmsg} (and, with GSO, as few segments as possible). A burst past {@code maxPendingBytes} flushes at
 * once, so the socket's outbound buffer stays bounded. Event loop only.
 */
final class FlushCoalescer extends ChannelDuplexHandler {
    private final int maxPendingBytes;
    private final QuicMetrics metrics;
    private final Runnable flushTask = this::flushNow;
    private ChannelHandlerContext ctx;
    private long pendingBytes;
    private boolean flushScheduled;

    FlushCoalescer(int maxPendingBytes, QuicMetrics metrics) {
        this.maxPendingBytes = maxPendingBytes;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof DatagramPacket p) {
            pendingBytes += p.content().readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (pendingBytes >= maxPendingBytes || !ctx.channel().isWritable()) {
            flushNow();
        } else if (!flushScheduled) {
            flushScheduled = true;
            try {
                ctx.executor().execute(flushTask);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                flushNow();
            }
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (pendingBytes > 0) {
            metrics.increment(QuicMetrics.Counter.UDP_FLUSHES);
        }
        pendingBytes = 0;
        ctx.flush();
    }
}
