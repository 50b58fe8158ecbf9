package io.kfrelay.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;

/**
 * Where a {@link ChannelSink}'s drain ({@link EgressQueue}) puts one connection's messages: the transport-specific
 * half of the sink. A WebSocket is one channel ({@link #of}); a QUIC connection sends media as datagrams and
 * control on a stream, each with its own way of saying "not now".
 *
 * <p>{@link #eventLoop()}, {@link #isOpen()}, {@link #isWritable()} and {@link #close()} may be called from any
 * thread; the others only on {@link #eventLoop()}, by the drain. When a port that said "not now" can take data
 * again, the transport calls {@link ChannelSink#onWritabilityChanged()}.
 */
public interface EgressPort {

    /** The thread every write happens on. */
    EventLoop eventLoop();

    boolean isOpen();

    /** Whether a drain could write anything now (approximate; decides whether a flush bothers to drain). */
    boolean isWritable();

    /** Whether {@code next} may be written now; false leaves it queued and stops the drain. */
    boolean canWrite(ByteBuf next);

    /** Writes one protocol message; ownership passes (released exactly once, whatever happens). */
    void write(ByteBuf message);

    /** End of a drain: everything written goes out. */
    void flush();

    /** Ends the connection once everything written is out (the sink's orderly close). */
    void goodbye();

    /** Cuts the connection off at once (slow receiver, drain timeout). */
    void close();

    /**
     * Bytes written to this port that the transport still holds, not yet handed to the operating system (a channel's
     * outbound buffer). Any thread, approximate.
     */
    default long heldBytes() {
        return 0;
    }

    /** Where the sink allocates the messages it makes itself (the stall ERROR): the connection's allocator. */
    default ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    /** The port of a transport that writes every message on one channel, framed by {@code framing}. */
    static EgressPort of(Channel channel, EgressFraming framing) {
        return new EgressPort() {
            @Override
            public EventLoop eventLoop() {
                return channel.eventLoop();
            }

            @Override
            public boolean isOpen() {
                return channel.isOpen();
            }

            @Override
            public boolean isWritable() {
                return channel.isWritable();
            }

            @Override
            public boolean canWrite(ByteBuf next) {
                return channel.isWritable();
            }

            @Override
            public void write(ByteBuf message) {
                framing.write(channel, message);
            }

            @Override
            public void flush() {
                framing.flush(channel);
            }

            @Override
            public void goodbye() {
                framing.goodbye(channel);
            }

            @Override
            public void close() {
                channel.close();
            }

            @Override
            public long heldBytes() {
                ChannelOutboundBuffer held = channel.unsafe().outboundBuffer();
                return held == null ? 0 : held.totalPendingWriteBytes(); // null once closed
            }

            @Override
            public ByteBufAllocator alloc() {
                return channel.alloc();
            }
        };
    }
}
