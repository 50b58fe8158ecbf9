package io.kfrelay.transport.quic;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.QuicConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The relay's QUIC listener: one UDP socket for every peer, the QUIC codec on it, one {@link QuicSessionHandler}
 * per connection. Every connection lives on the socket's one event loop (a thread of its own), so one fan-out's
 * datagrams to a whole room can leave in one flush ({@link FlushCoalescer}). With epoll, flushes use
 * {@code sendmmsg} and each connection's packets go as UDP GSO segments.
 */
public final class QuicListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QuicListener.class.getName());
    /** Stream flow-control windows: control messages are small, a JOINED listing a big room is the largest. */
    private static final long STREAM_WINDOW_BYTES = 1 << 20;
    /** A burst past this many bytes queued on the UDP socket is flushed at once rather than coalesced. */
    private static final int COALESCE_MAX_BYTES = 256 * 1024;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final int GSO_SEGMENTS = 16;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final EventLoopGroup loop;
    private final Channel socket;
    private final ChannelGroup connections;
    private final ServerTls tls;
    private final boolean epoll;

    private QuicListener(EventLoopGroup loop, Channel socket, ChannelGroup connections, ServerTls tls, boolean epoll) {
        this.loop = loop;
        this.socket = socket;
        this.connections = connections;
        this.tls = tls;
        this.epoll = epoll;
    }

    /**
     * Binds the UDP socket and starts accepting connections.
     *
     * @param preferEpoll use epoll (sendmmsg, GSO) if it is available here, else NIO
     * @throws IOException if the certificate cannot be read or the socket cannot bind; nothing is left running
     */
    public static QuicListener start(RelayCore core, QuicConfig config, QuicSettings settings, QuicMetrics metrics,
                                     boolean preferEpoll) throws IOException {
        return start(core, config, settings, metrics, preferEpoll, SecurityGate.defaults(settings.maxControlMessageBytes()));
    }

    /** The same, with {@code gate} admitting connections and JOINs and limiting each connection's ingress. */
    public static QuicListener start(RelayCore core, QuicConfig config, QuicSettings settings, QuicMetrics metrics,
                                     boolean preferEpoll, SecurityGate gate) throws IOException {
        ServerTls tls = ServerTls.of(config);
        ListenAddress at = config.listen();
        InetSocketAddress bindTo = new InetSocketAddress(at.host(), at.port());
        if (bindTo.isUnresolved()) {
            throw new IOException("cannot listen on quic " + at + ": unknown host " + at.host());
        }
        boolean epoll = preferEpoll && Epoll.isAvailable();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kfrelay-quic", false),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("kfrelay-quic-connections", GlobalEventExecutor.INSTANCE);
        ChannelHandler codec = codec(core, config, settings, metrics, tls, connections, epoll, gate);
        try {
            Channel socket = new Bootstrap()
                    .group(loop)
                    .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    // One buffer per datagram, big enough for the largest UDP payload we accept.
                    .option(ChannelOption.RECVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(Math.max(2048, config.maxUdpPayloadBytes())))
                    .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                    .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(COALESCE_MAX_BYTES, 4 * COALESCE_MAX_BYTES))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast("flush-coalescer", new FlushCoalescer(COALESCE_MAX_BYTES, metrics))
                                    .addLast("quic", codec);
                        }
                    })
                    .bind(bindTo).syncUninterruptibly().channel();
            QuicListener listener = new QuicListener(loop, socket, connections, tls, epoll);
            LOG.log(System.Logger.Level.INFO, () -> "kfrelay listening on " + listener.url(at.host())
                    + " (ALPN " + QuicConfig.ALPN + ", " + (epoll ? "epoll" : "nio") + ", "
                    + (tls.isSelfSigned() ? "self-signed" : "configured") + " certificate SHA-256 " + listener.fingerprint() + ")");
            return listener;
        } catch (Exception e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException("cannot listen on quic " + at + ": " + reason, e);
        }
    }

    private static ChannelHandler codec(RelayCore core, QuicConfig config, QuicSettings settings, QuicMetrics metrics,
                                        ServerTls tls, ChannelGroup connections, boolean epoll, SecurityGate gate) {
        QuicServerCodecBuilder b = new QuicServerCodecBuilder()
                .sslContext(tls.sslContext())
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxSendUdpPayloadSize(config.maxUdpPayloadBytes())
                .maxRecvUdpPayloadSize(config.maxUdpPayloadBytes())
                .initialMaxData(2 * STREAM_WINDOW_BYTES)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW_BYTES)
                .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW_BYTES)
                .initialMaxStreamsBidirectional(1) // the control stream; media needs none
                .initialMaxStreamsUnidirectional(0)
                .datagram(config.datagramQueue(), config.datagramQueue())
                .tokenHandler(NoAddressValidation.INSTANCE)
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast("relay-session", new QuicSessionHandler(core, settings, metrics, gate));
                    }
                })
                .streamHandler(ControlStreamHandler.initializer(settings.maxControlMessageBytes()));
        if (epoll && config.gso()) {
            b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
        }
        return b.build();
    }

    /** Where the socket is bound (the real port when the config said 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.localAddress();
    }

    /** {@code quic://HOST:PORT} for the bound port. */
    public String url(String host) {
        return "quic://" + new ListenAddress(host, address().getPort());
    }

    /** What clients pin: the SHA-256 fingerprint of the relay's certificate. */
    public CertificatePin fingerprint() {
        return tls.fingerprint();
    }

    public ServerTls tls() {
        return tls;
    }

    /** Whether the socket uses epoll (sendmmsg, GSO) rather than NIO. */
    public boolean usesEpoll() {
        return epoll;
    }

    /** Connections open right now. */
    public int connectionCount() {
        return connections.size();
    }

    /** Tells every connection that has not joined that the relay is going away (ERROR, then close). Any thread. */
    public void announceShutdown() {
        for (Channel ch : connections) {
            ch.pipeline().fireUserEventTriggered(QuicShutdown.INSTANCE);
        }
    }

    /** Waits up to {@code nanos} for every connection to close; true if they all did. */
    public boolean awaitConnectionsClosed(long nanos) {
        return connections.newCloseFuture().awaitUninterruptibly(nanos, TimeUnit.NANOSECONDS);
    }

    /** Closes what is left, the socket and the event loop. */
    @Override
    public void close() {
        connections.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
        socket.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
        loop.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT.toMillis());
    }
}
