package io.kfrelay.client;

import io.kfrelay.client.ws.WebSocketClientTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * How a client's messages reach the relay: one protocol message per transport frame. WebSocket today
 * ({@code ws://}); a QUIC transport ({@code quic://}) would implement the same interface.
 *
 * <p>{@link #write} and {@link #flush} may be called from any thread; messages written by one thread keep
 * their order. Inbound messages arrive on the transport's single I/O thread.
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

    void flush();

    /** False while the outbound buffer is above its high-water mark: a publisher may wait or skip frames. */
    boolean isWritable();

    /** Stops (false) or resumes (true) reading from the network; the relay then sees a full TCP window. */
    void setReading(boolean reading);

    ByteBufAllocator alloc();

    /** Closes the connection after what was written so far; completes once it is closed. */
    CompletableFuture<Void> close();

    /** Connects by URL scheme: {@code ws://host:port[/path]}. */
    static CompletableFuture<ClientTransport> connect(URI url, ClientOptions options, Inbound inbound) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "ws" -> WebSocketClientTransport.connect(url, options, inbound);
            case "wss", "quic" -> CompletableFuture.failedFuture(new IllegalArgumentException(
                    scheme + ":// is not supported yet; use ws://HOST:PORT[/path]"));
            default -> CompletableFuture.failedFuture(new IllegalArgumentException(
                    "relay URL must look like ws://HOST:PORT[/path], not '" + url + "'"));
        };
    }
}
