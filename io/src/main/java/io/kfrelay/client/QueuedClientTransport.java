package io.kfrelay.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The part of a {@link ClientTransport} that is the same over every protocol: all writes take one
 * {@link OutboundQueue} to the connection, its backlog decides {@link #isWritable()}, {@link #close()} says goodbye
 * behind it, and the end of the connection releases what is left. A subclass says how one message reaches its
 * channels, how to say goodbye, and reports writability changes from its handlers ({@link #onWritabilityChanged()}).
 *
 * <p>For this package's transports; applications use {@link KfRelayClient}.
 */
public abstract class QueuedClientTransport implements ClientTransport {
    private final Channel connection;
    private final Channel socket;
    private final Duration closeTimeout;
    private final OutboundQueue outbound;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /**
     * @param connection what messages go out on: its event loop drains the queue, it allocates, and once it is
     *                   inactive nothing more is written; its end releases the queue
     * @param socket     what {@link #setReading} pauses; {@link #close()} completes when it is closed (for a
     *                   transport with a socket of its own under the connection, that comes last)
     */
    protected QueuedClientTransport(Channel connection, Channel socket, Duration closeTimeout) {
        this.connection = connection;
        this.socket = socket;
        this.closeTimeout = closeTimeout;
        this.outbound = new OutboundQueue(connection.eventLoop(), new OutboundQueue.Sink() {
            @Override
            public boolean isWritable() {
                return channelsWritable();
            }

            @Override
            public void write(ByteBuf message) {
                // A write after close fails its void promise, which Netty reports through exceptionCaught: skip it.
                if (!connection.isActive()) {
                    message.release();
                    return;
                }
                send(message);
            }

            @Override
            public void flush() {
                flushChannels();
            }
        });
        // Registered in this order so that, on one channel, the queue is released before close() completes.
        connection.closeFuture().addListener(f -> outbound.onClosed());
        socket.closeFuture().addListener(f -> closed.complete(null));
    }

    // ------------------------------------------------------------------ what differs by protocol (event loop)

    /** Whether every channel a message may go to takes more now; the drain waits while one does not. */
    protected abstract boolean channelsWritable();

    /** How many bytes the channels take before one of them turns unwritable: the room the backlog is held to. */
    protected abstract long bytesBeforeUnwritable();

    /** Writes one message to its channel, unflushed, on an active connection; ownership passes with it. */
    protected abstract void send(ByteBuf message);

    protected abstract void flushChannels();

    /** Ends the connection in order once everything queued before {@link #close()} is written. */
    protected abstract void sayGoodbye();

    /** Closes at once: the goodbye did not get through within the close timeout. */
    protected abstract void cut();

    /** A channel's writability changed (event loop): the queue resumes if they all take data again. */
    protected final void onWritabilityChanged() {
        outbound.onWritabilityChanged();
    }

    // ------------------------------------------------------------------ ClientTransport

    @Override
    public void write(ByteBuf message) {
        outbound.add(message);
    }

    @Override
    public final void flush() {
        outbound.flush();
    }

    @Override
    public final boolean isWritable() {
        return outbound.queuedBytes() < bytesBeforeUnwritable();
    }

    @Override
    public final long queuedBytes() {
        return outbound.queuedBytes();
    }

    @Override
    public final void setReading(boolean reading) {
        socket.config().setAutoRead(reading);
    }

    @Override
    public final ByteBufAllocator alloc() {
        return connection.alloc();
    }

    /** Writes what is queued, then {@link #sayGoodbye()}; {@link #cut()}s if that takes over the close timeout. */
    @Override
    public final CompletableFuture<Void> close() {
        outbound.close(this::sayGoodbye, closeTimeout, this::cut);
        return closed;
    }
}
