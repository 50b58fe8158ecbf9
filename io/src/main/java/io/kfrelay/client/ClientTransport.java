package io.kfrelay.client;

import io.kfrelay.client.quic.QuicClientTransport;
import io.kfrelay.client.ws.WebSocketClientTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * How a client's messages reach the relay: one protocol message per transport frame. WebSocket
 * ({@code ws://}, {@code wss://}) or QUIC ({@code quic://}: media as datagrams, control on a stream).
 *
 * <p>{@link #write} and {@link #flush} may be called from any thread, the I/O thread included: every write
 * takes the same path ({@link OutboundQueue}), so messages leave in the order the write calls happened.
 * Inbound messages arrive on the transport's single I/O thread.
 */
public interface ClientTransport {

    /** Receives what the transport reads, on its I/O thread. */
    interface Inbound {
        /** One whole protocol message, borrowed for the call: the transport releases it afterwards. */
        void onMessage(ByteBuf message);

        /** A failure that does not (by itself) close the connection, e.g. a failed write. */
        void onError(Throwable error);

        /** The connection is gone; {@code cause} is null for an orderly close. Called once. */
        void onClosed(Throwable cause);
    }

    /** Queues one message; ownership of {@code message} passes to the transport (released exactly once). */
    void write(ByteBuf message);

    /** Sends what was written: one flush per batch on the I/O thread, whoever calls. */
    void flush();

    /**
     * False while what is queued plus what the channel holds is above its high-water mark: a publisher may wait
     * or skip frames.
     */
    boolean isWritable();

    /** Bytes written but not yet handed to the network channel; they grow while the relay does not keep up. */
    long queuedBytes();

    /** Stops (false) or resumes (true) reading from the network; the relay then sees a full TCP window. */
    void setReading(boolean reading);

    ByteBufAllocator alloc();

    /** Largest media packet this transport can carry in one piece (a QUIC datagram's usable size). */
    default int maxMediaPacketBytes() {
        return Integer.MAX_VALUE;
    }

    /**
     * Closes the connection after what was written so far; completes once it is closed, which is within
     * {@link ClientOptions#closeTimeout()}: a relay that stopped reading has the connection cut. Idempotent.
     */
    CompletableFuture<Void> close();

    /** Connects by URL scheme: {@code ws://host:port[/path]}, {@code wss://host:port[/path]} or {@code quic://host:port}. */
    static CompletableFuture<ClientTransport> connect(URI url, ClientOptions options, Inbound inbound) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "ws", "wss" -> WebSocketClientTransport.connect(url, options, inbound);
            case "quic" -> QuicClientTransport.connect(url, options, inbound);
            default -> CompletableFuture.failedFuture(new IllegalArgumentException(
                    "relay URL must look like ws://HOST:PORT[/path], wss://HOST:PORT[/path] or quic://HOST:PORT, not '"
                            + url + "'"));
        };
    }
}
