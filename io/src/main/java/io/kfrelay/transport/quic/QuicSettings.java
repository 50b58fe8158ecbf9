package io.kfrelay.transport.quic;

import io.kfrelay.transport.SinkLimits;
import io.netty.buffer.ByteBufAllocator;

import java.time.Duration;
import java.util.Objects;

/**
 * What the QUIC transport needs to know per connection (the server maps its configs onto this).
 *
 * @param sinkLimits             bounds of each connection's egress queue (shared with WebSocket)
 * @param maxControlMessageBytes largest message accepted on the control stream (refused with TOO_LARGE)
 * @param joinTimeout            how long a connection may stay without a JOIN
 * @param closeTimeout           how long a closing connection may take to write out what is queued
 * @param keepAlive              how often the relay PINGs a peer on its control stream; zero: never
 * @param creditBytes            media bytes one connection may have waiting inside quiche ({@link DatagramCredit})
 * @param creditDatagrams        media datagrams one connection may have waiting inside quiche
 * @param allocator              buffers of the UDP sockets, connections and streams ({@code serve --allocator})
 */
public record QuicSettings(SinkLimits sinkLimits, int maxControlMessageBytes, Duration joinTimeout,
                           Duration closeTimeout, Duration keepAlive, long creditBytes,
                           long creditDatagrams, ByteBufAllocator allocator) {
    public QuicSettings {
        Objects.requireNonNull(allocator, "allocator");
        Objects.requireNonNull(sinkLimits, "sinkLimits");
        Objects.requireNonNull(joinTimeout, "joinTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (creditBytes < 2048 || creditDatagrams < 8) {
            throw new IllegalArgumentException("credit must be at least 2048 bytes and 8 datagrams, was "
                    + creditBytes + " and " + creditDatagrams);
        }
    }
}
