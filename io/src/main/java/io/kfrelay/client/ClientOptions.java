package io.kfrelay.client;

import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link KfRelayClient}. Immutable; build with {@link #builder()}, start from {@link #defaults()}.
 *
 * @param maxPacketBytes         largest media packet the client sends, 20-byte header included; a frame is
 *                               split into packets of at most this size. Default {@value #DEFAULT_MAX_PACKET_BYTES}
 *                               (fits a typical 1280..1500-byte MTU path with room for transport overhead, and
 *                               the same size works for a QUIC datagram later).
 * @param maxInboundMessageBytes largest message accepted from the relay (a JOINED listing a big room is the
 *                               largest control message); a bigger one closes the connection
 * @param connectTimeout         TCP connect plus WebSocket handshake
 * @param firstSequence          sequence number of the first packet of every stream (u32); tests use values
 *                               near 2^32 to exercise wrapping
 * @param eventLoopGroup         I/O threads to use: an NIO group ({@code MultiThreadIoEventLoopGroup} with
 *                               {@code NioIoHandler}), or null for a small shared group of daemon threads
 * @param allocator              where outgoing packets are allocated
 * @param quic                   QUIC settings (trust, timeouts) for {@code quic://} URLs; its trust (pin, insecure)
 *                               applies to {@code wss://} URLs too
 * @param maxOutboundBytes       most bytes a client holds for a relay that does not take them: past this,
 *                               {@code publishFrame} refuses frames (returns 0). Default
 *                               {@value #DEFAULT_MAX_OUTBOUND_BYTES}
 * @param closeTimeout           how long {@code close()} lets what is queued and the goodbye leave before it
 *                               cuts the connection (a relay that stopped reading would hold them forever)
 * @param reconnect              whether and how a lost session reconnects (default: when several relays are known)
 */
public record ClientOptions(int maxPacketBytes, int maxInboundMessageBytes, Duration connectTimeout,
                            long firstSequence, EventLoopGroup eventLoopGroup, ByteBufAllocator allocator,
                            QuicClientOptions quic, long maxOutboundBytes, Duration closeTimeout,
                            ReconnectOptions reconnect) {

    /** Default largest media packet, header included: {@value} bytes (payload up to 1180). */
    public static final int DEFAULT_MAX_PACKET_BYTES = 1200;
    /** Smallest allowed maximum: the 20-byte header plus at least one payload byte. */
    public static final int MIN_MAX_PACKET_BYTES = MediaHeader.LENGTH + 1;
    /** Largest allowed maximum (the relay's own frame limit is usually lower, 64 KiB by default). */
    public static final int MAX_MAX_PACKET_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 1 << 20;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default outbound cap: {@value} bytes (8 MiB), a few seconds of HD video. */
    public static final long DEFAULT_MAX_OUTBOUND_BYTES = 8L << 20;
    /** Smallest outbound cap: one large frame must fit. */
    public static final long MIN_MAX_OUTBOUND_BYTES = 64L << 10;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    public ClientOptions {
        if (maxPacketBytes < MIN_MAX_PACKET_BYTES || maxPacketBytes > MAX_MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("maxPacketBytes must be " + MIN_MAX_PACKET_BYTES + ".."
                    + MAX_MAX_PACKET_BYTES + " (20-byte header included), was " + maxPacketBytes);
        }
        if (maxInboundMessageBytes < 1024) {
            throw new IllegalArgumentException("maxInboundMessageBytes must be at least 1024, was " + maxInboundMessageBytes);
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive");
        }
        if (firstSequence < 0 || firstSequence > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("firstSequence must be a u32, was " + firstSequence);
        }
        Objects.requireNonNull(allocator, "allocator");
        Objects.requireNonNull(quic, "quic");
        if (maxOutboundBytes < MIN_MAX_OUTBOUND_BYTES) {
            throw new IllegalArgumentException("maxOutboundBytes must be at least " + MIN_MAX_OUTBOUND_BYTES
                    + ", was " + maxOutboundBytes);
        }
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative() || closeTimeout.isZero()) {
            throw new IllegalArgumentException("closeTimeout must be positive");
        }
        Objects.requireNonNull(reconnect, "reconnect");
    }

    /** Largest payload per packet: {@code maxPacketBytes - 20}. */
    public int maxPayloadBytes() {
        return maxPacketBytes - MediaHeader.LENGTH;
    }

    public static ClientOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxPacketBytes(maxPacketBytes).maxInboundMessageBytes(maxInboundMessageBytes)
                .connectTimeout(connectTimeout).firstSequence(firstSequence).eventLoopGroup(eventLoopGroup)
                .allocator(allocator).quic(quic).maxOutboundBytes(maxOutboundBytes).closeTimeout(closeTimeout)
                .reconnect(reconnect);
    }

    public static final class Builder {
        private int maxPacketBytes = DEFAULT_MAX_PACKET_BYTES;
        private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private long firstSequence;
        private EventLoopGroup eventLoopGroup;
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private QuicClientOptions quic = QuicClientOptions.defaults();
        private long maxOutboundBytes = DEFAULT_MAX_OUTBOUND_BYTES;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private ReconnectOptions reconnect = ReconnectOptions.defaults();

        private Builder() {
        }

        public Builder maxPacketBytes(int v) { maxPacketBytes = v; return this; }
        public Builder maxInboundMessageBytes(int v) { maxInboundMessageBytes = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder firstSequence(long v) { firstSequence = v; return this; }
        public Builder eventLoopGroup(EventLoopGroup v) { eventLoopGroup = v; return this; }
        public Builder allocator(ByteBufAllocator v) { allocator = v; return this; }
        public Builder quic(QuicClientOptions v) { quic = v; return this; }
        public Builder maxOutboundBytes(long v) { maxOutboundBytes = v; return this; }
        public Builder closeTimeout(Duration v) { closeTimeout = v; return this; }
        public Builder reconnect(ReconnectOptions v) { reconnect = v; return this; }

        public ClientOptions build() {
            return new ClientOptions(maxPacketBytes, maxInboundMessageBytes, connectTimeout, firstSequence,
                    eventLoopGroup, allocator, quic, maxOutboundBytes, closeTimeout, reconnect);
        }
    }
}
