package io.kfrelay.client.quic;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.ClientTransport;
import io.kfrelay.client.PinnedTrustManager;
import io.kfrelay.client.QuicClientOptions;
import io.kfrelay.client.QueuedClientTransport;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MessageType;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link ClientTransport} over QUIC ({@code quic://HOST:PORT}, ALPN {@code kfrelay}): media packets travel as
 * DATAGRAM frames, everything else on one bidirectional stream with a u32 length before each message
 * (docs/PROTOCOL.md §7). The connection has a UDP socket of its own. A media packet larger than the connection's
 * usable datagram size ({@link #maxMediaPacketBytes()}) is not sent but counted ({@link #oversizedPackets()});
 * {@code KfRelayClient} packetizes below that size, so it happens only to a caller that writes raw packets.
 */
public final class QuicClientTransport extends QueuedClientTransport {
    /** Stream flow-control window: the largest inbound control message must fit. */
    private static final long STREAM_WINDOW_BYTES = 4L << 20;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final Channel udp;
    private final QuicChannel connection;
    private final QuicStreamChannel control;
    private final int maxDatagramBytes;
    private final AtomicLong oversized = new AtomicLong();

    private QuicClientTransport(Channel udp, QuicChannel connection, QuicStreamChannel control, int maxDatagramBytes,
                                Duration closeTimeout) {
        // The stream shares the connection's event loop, so one drain writes both, in call order. setReading pauses
        // the UDP socket: the relay then sees no acknowledgements, as from a stalled receiver.
        super(connection, udp, closeTimeout);
        this.udp = udp;
        this.connection = connection;
        this.control = control;
        this.maxDatagramBytes = maxDatagramBytes;
    }

    public static CompletableFuture<ClientTransport> connect(URI url, ClientOptions options, Inbound inbound) {
        if (url.getHost() == null || url.getPort() < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "relay URL needs a host and a port: quic://HOST:PORT, not '" + url + "'"));
        }
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
        int port = url.getPort();
        QuicClientOptions quic = options.quic();
        QuicSslContext tls;
        try {
            tls = sslContext(quic);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        EventLoopGroup group = options.eventLoopGroup() != null ? options.eventLoopGroup() : SharedQuicClientLoop.group();
        ChannelHandler codec = new QuicClientCodecBuilder()
                // The engine must know the host, or hostname verification fails every handshake (STACK.md).
                .sslEngineProvider(q -> tls.newEngine(q.alloc(), host, port))
                .maxIdleTimeout(quic.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxSendUdpPayloadSize(quic.maxUdpPayloadBytes())
                .maxRecvUdpPayloadSize(quic.maxUdpPayloadBytes())
                .initialMaxData(2 * STREAM_WINDOW_BYTES)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW_BYTES)
                .initialMaxStreamsBidirectional(0) // the relay opens no streams
                .datagram(quic.datagramQueue(), quic.datagramQueue())
                .build();
        CompletableFuture<ClientTransport> connected = new CompletableFuture<>();
        long timeoutMillis = options.connectTimeout().toMillis();
        new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Math.max(2048, quic.maxUdpPayloadBytes())))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.ALLOCATOR, options.allocator())
                .handler(codec)
                .bind(0)
                .addListener(bound -> {
                    if (!bound.isSuccess()) {
                        connected.completeExceptionally(new IOException("cannot open a UDP socket: " + bound.cause(), bound.cause()));
                        return;
                    }
                    Channel udp = ((io.netty.channel.ChannelFuture) bound).channel();
                    handshake(url, udp, new InetSocketAddress(host, port), options, inbound, connected, timeoutMillis);
                });
        return connected;
    }

    private static QuicSslContext sslContext(QuicClientOptions quic) {
        QuicSslContextBuilder b = QuicSslContextBuilder.forClient().applicationProtocols("kfrelay");
        if (quic.pin() != null) {
            b.trustManager(new PinnedTrustManager(quic.pin())).endpointIdentificationAlgorithm(null);
        } else if (quic.insecure()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        return b.build();
    }

    private static void handshake(URI url, Channel udp, InetSocketAddress relay, ClientOptions options, Inbound inbound,
                                  CompletableFuture<ClientTransport> connected, long timeoutMillis) {
        ConnectionHandler handler = new ConnectionHandler(url, inbound, options.quic(), connected);
        Future<QuicChannel> connecting = QuicChannel.newBootstrap(udp).remoteAddress(relay).handler(handler).connect();
        ScheduledFuture<?> timeout = udp.eventLoop().schedule(() -> {
            if (connected.completeExceptionally(new IOException("QUIC handshake with " + url + " timed out after "
                    + timeoutMillis + " ms"))) {
                connecting.cancel(false);
                udp.close();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                timeout.cancel(false);
                connected.completeExceptionally(new IOException("cannot connect to " + url + ": "
                        + describe(f.cause()), f.cause()));
                udp.close();
                return;
            }
            QuicChannel connection = (QuicChannel) f.getNow();
            connection.closeFuture().addListener(c -> udp.close()); // one socket per connection
            connection.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
                @Override
                protected void initChannel(QuicStreamChannel stream) {
                    stream.pipeline()
                            .addLast(new LengthFieldPrepender(4))
                            .addLast(new LengthFieldBasedFrameDecoder(options.maxInboundMessageBytes(), 0, 4, 0, 4, true))
                            .addLast(new ControlStreamReader(inbound, connection, handler));
                }
            }).addListener(s -> {
                if (!s.isSuccess()) {
                    timeout.cancel(false);
                    connected.completeExceptionally(new IOException("cannot open the control stream to " + url, s.cause()));
                    connection.close();
                    return;
                }
                // The usable datagram size is known once quiche has the relay's transport parameters, which
                // may be a little after the handshake: the transport is ready when both are there.
                handler.datagramSize.thenAccept(size -> {
                    timeout.cancel(false);
                    QuicClientTransport t = new QuicClientTransport(udp, connection, (QuicStreamChannel) s.getNow(), size,
                            options.closeTimeout());
                    handler.attach(t);
                    if (!connected.complete(t)) {
                        connection.close();
                    }
                });
            });
        });
    }

    private static String describe(Throwable t) {
        return t == null ? "unknown failure" : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    // ------------------------------------------------------------------ media as datagrams, the rest on the stream

    @Override
    public void write(ByteBuf message) {
        if (ControlCodec.peekType(message) == MessageType.MEDIA && message.readableBytes() > maxDatagramBytes) {
            oversized.incrementAndGet();
            message.release();
            return;
        }
        super.write(message);
    }

    /** The usable datagram size this connection agreed with the relay. */
    @Override
    public int maxMediaPacketBytes() {
        return maxDatagramBytes;
    }

    /** Media packets not sent because they did not fit a datagram. */
    public long oversizedPackets() {
        return oversized.get();
    }

    @Override
    protected boolean channelsWritable() {
        return connection.isWritable() && control.isWritable();
    }

    @Override
    protected long bytesBeforeUnwritable() {
        return Math.min(connection.bytesBeforeUnwritable(), control.bytesBeforeUnwritable());
    }

    @Override
    protected void send(ByteBuf message) {
        if (ControlCodec.peekType(message) == MessageType.MEDIA) {
            connection.write(message, connection.voidPromise());
        } else {
            control.write(message, control.voidPromise());
        }
    }

    @Override
    protected void flushChannels() {
        connection.flush();
        control.flush();
    }

    /** Ends the control stream (the relay takes it as LEAVE), then closes the connection and so its socket. */
    @Override
    protected void sayGoodbye() {
        if (control.isActive()) {
            control.writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(f -> control.shutdownOutput()
                            .addListener(s -> connection.close(true, 0, Unpooled.EMPTY_BUFFER)));
        } else {
            connection.close();
        }
    }

    /** Cuts the connection and its socket: a stream the relay stopped reading never says goodbye. */
    @Override
    protected void cut() {
        connection.close();
        udp.close();
    }

    // ------------------------------------------------------------------ inbound

    /** On the connection: datagrams in, the datagram size, keep-alive, and the end of the connection. */
    private static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        private final URI url;
        private final Inbound inbound;
        private final QuicClientOptions quic;
        private final CompletableFuture<ClientTransport> connected;
        private final AtomicBoolean closeReported = new AtomicBoolean();
        /** The usable datagram size, from the datagram extension event. */
        final CompletableFuture<Integer> datagramSize = new CompletableFuture<>();
        private ScheduledFuture<?> keepAlive;
        private long nonce;
        private QuicClientTransport transport;

        ConnectionHandler(URI url, Inbound inbound, QuicClientOptions quic, CompletableFuture<ClientTransport> connected) {
            this.url = url;
            this.inbound = inbound;
            this.quic = quic;
            this.connected = connected;
        }

        /** The transport is ready (event loop): its queue hears writability changes, and keep-alive starts. */
        void attach(QuicClientTransport t) {
            transport = t;
            long every = quic.keepAlive().toNanos();
            if (every > 0) {
                keepAlive = t.connection.eventLoop().scheduleAtFixedRate(() -> {
                    t.write(ControlCodec.encode(new ControlMessage.Ping(++nonce), t.alloc()));
                    t.flush();
                }, every, every, TimeUnit.NANOSECONDS);
            }
        }

        /** The connection's or the control stream's writability changed (event loop). */
        void onWritabilityChanged() {
            if (transport != null) {
                transport.onWritabilityChanged();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            onWritabilityChanged();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicDatagramExtensionEvent e) {
                datagramSize.complete(e.maxLength());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf datagram)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                inbound.onMessage(datagram);
            } finally {
                datagram.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            inbound.onError(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (keepAlive != null) {
                keepAlive.cancel(false);
            }
            QuicChannel connection = (QuicChannel) ctx.channel();
            if (connected.isDone() && !connected.isCompletedExceptionally() && closeReported.compareAndSet(false, true)) {
                inbound.onClosed(connection.isTimedOut()
                        ? new IOException("QUIC connection to " + url + " timed out: nothing heard for "
                        + quic.idleTimeout().toMillis() + " ms")
                        : null);
            }
            ctx.fireChannelInactive();
        }
    }

    /** On the control stream: whole messages in; the relay ending the stream ends the connection. */
    private static final class ControlStreamReader extends ChannelInboundHandlerAdapter {
        private final Inbound inbound;
        private final QuicChannel connection;
        private final ConnectionHandler handler;

        ControlStreamReader(Inbound inbound, QuicChannel connection, ConnectionHandler handler) {
            this.inbound = inbound;
            this.connection = connection;
            this.handler = handler;
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            handler.onWritabilityChanged();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf message = (ByteBuf) msg;
            try {
                inbound.onMessage(message);
            } finally {
                message.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            inbound.onError(cause);
            connection.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connection.close(); // the relay said goodbye (or reset the stream): the connection is over
            ctx.fireChannelInactive();
        }
    }
}
