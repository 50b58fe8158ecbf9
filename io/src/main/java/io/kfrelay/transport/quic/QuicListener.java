package io.kfrelay.transport.quic;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.RoomPlacement;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.QuicConfig;
import io.kfrelay.transport.ServerTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
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
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The relay's QUIC listener: {@link QuicConfig#eventLoopCount()} UDP sockets bound to one port with
 * {@code SO_REUSEPORT}, each on an event loop (a thread) of its own with its own QUIC codec and
 * {@link FlushCoalescer}; one {@link QuicSessionHandler} per connection. The kernel picks a socket by a hash of the
 * peer's address pair and keeps it there, so a connection lives on one socket and one thread (connection migration
 * is not used); a room's receivers are spread over the loops and each loop flushes its share of a fan-out at once.
 * With epoll, flushes use {@code sendmmsg} and each connection's packets go as UDP GSO segments. NIO has no
 * {@code SO_REUSEPORT} here: one socket. A single socket is bound without {@code SO_REUSEPORT}, so a port in use
 * fails as ever; with several, another process of the same user binding the same port with it would share it.
 */
public final class QuicListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QuicListener.class.getName());
    /** Stream flow-control windows: control messages are small, a JOINED listing a big room is the largest. */
    private static final long STREAM_WINDOW_BYTES = 1 << 20;
    /** A burst past this many bytes queued on the UDP socket is flushed at once rather than coalesced. */
    private static final int COALESCE_MAX_BYTES = 256 * 1024;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final int GSO_SEGMENTS = 16;
    /**
     * Bytes of receive buffer per read: with epoll, one {@code recvmmsg} fills it with up to this / payload-size
     * datagrams. Most of what the relay receives is small ACK packets from its receivers, one per two media
     * packets or so; one syscall per datagram was a large share of the loop's time.
     */
    private static final int RECV_BATCH_BYTES = 32 * 1024;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final EventLoopGroup loops;
    private final List<Channel> sockets;
    private final ChannelGroup connections;
    private final ServerTls tls;
    private final boolean epoll;

    private QuicListener(EventLoopGroup loops, List<Channel> sockets, ChannelGroup connections, ServerTls tls,
                         boolean epoll) {
        this.loops = loops;
        this.sockets = List.copyOf(sockets);
        this.connections = connections;
        this.tls = tls;
        this.epoll = epoll;
    }

    /**
     * Binds the UDP sockets and starts accepting connections.
     *
     * @param tls         the relay's certificate ({@link ServerTls#of}), or null for a self-signed one made now
     * @param preferEpoll use epoll (sendmmsg, GSO, several sockets) if it is available here, else NIO (one socket)
     * @throws IOException if a socket cannot bind; nothing is left running
     */
    public static QuicListener start(RelayCore core, QuicConfig config, ServerTls tls, QuicSettings settings,
                                     QuicMetrics metrics, boolean preferEpoll) throws IOException {
        return start(core, config, tls, settings, metrics, preferEpoll,
                SecurityGate.defaults(settings.maxControlMessageBytes()));
    }

    /** The same, with {@code gate} admitting connections and JOINs and limiting each connection's ingress. */
    public static QuicListener start(RelayCore core, QuicConfig config, ServerTls configured, QuicSettings settings,
                                     QuicMetrics metrics, boolean preferEpoll, SecurityGate gate) throws IOException {
        return start(core, config, configured, settings, metrics, preferEpoll, gate, RoomPlacement.LOCAL);
    }

    /** The same, with {@code placement} deciding where JOINs are served (a cluster node's decision). */
    public static QuicListener start(RelayCore core, QuicConfig config, ServerTls configured, QuicSettings settings,
                                     QuicMetrics metrics, boolean preferEpoll, SecurityGate gate,
                                     RoomPlacement placement) throws IOException {
        ServerTls tls = configured != null ? configured : ServerTls.selfSigned();
        ListenAddress at = config.listen();
        InetSocketAddress bindTo = new InetSocketAddress(at.host(), at.port());
        if (bindTo.isUnresolved()) {
            throw new IOException("cannot listen on quic " + at + ": unknown host " + at.host());
        }
        boolean epoll = preferEpoll && Epoll.isAvailable();
        int count = socketCount(config, epoll);
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(count, new DefaultThreadFactory("kfrelay-quic", false),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("kfrelay-quic-connections", GlobalEventExecutor.INSTANCE);
        List<Channel> sockets = new ArrayList<>(count);
        try {
            for (EventExecutor e : loops) {
                // The first socket picks the port when the config says 0; the others join it.
                InetSocketAddress to = sockets.isEmpty() ? bindTo : new InetSocketAddress(bindTo.getAddress(),
                        ((InetSocketAddress) sockets.getFirst().localAddress()).getPort());
                ChannelHandler codec = codec(core, config, settings, metrics, tls, connections, epoll, gate, placement);
                sockets.add(bootstrap((EventLoop) e, config, settings, metrics, codec, epoll, count > 1)
                        .bind(to).syncUninterruptibly().channel());
            }
            QuicListener listener = new QuicListener(loops, sockets, connections, tls, epoll);
            LOG.log(System.Logger.Level.INFO, () -> "kfrelay listening on " + listener.url(at.host())
                    + " (ALPN " + QuicConfig.ALPN + ", " + (epoll ? "epoll" : "nio") + ", " + count + " socket"
                    + (count > 1 ? "s" : "") + ", " + (tls.isSelfSigned() ? "self-signed" : "configured")
                    + " certificate SHA-256 " + listener.fingerprint() + ")");
            return listener;
        } catch (Exception e) {
            sockets.forEach(s -> s.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis()));
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException("cannot listen on quic " + at + ": " + reason, e);
        }
    }

    /** What the config asks for, or 1 with NIO (it cannot share a port between sockets here). */
    private static int socketCount(QuicConfig config, boolean epoll) {
        int wanted = config.eventLoopCount();
        if (wanted > 1 && !epoll) {
            LOG.log(System.Logger.Level.WARNING, () -> "quic-event-loops " + config.eventLoops()
                    + " needs epoll (SO_REUSEPORT); with NIO the QUIC listener uses 1 socket and event loop");
            return 1;
        }
        return wanted;
    }

    private static Bootstrap bootstrap(EventLoop loop, QuicConfig config, QuicSettings settings, QuicMetrics metrics,
                                       ChannelHandler codec, boolean epoll, boolean reusePort) {
        int datagramBytes = Math.max(2048, config.maxUdpPayloadBytes());
        int batch = epoll ? Math.max(1, RECV_BATCH_BYTES / datagramBytes) : 1;
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                // Room for `batch` datagrams of the largest UDP payload we accept per read.
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(batch * datagramBytes))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(COALESCE_MAX_BYTES, 4 * COALESCE_MAX_BYTES))
                .option(ChannelOption.ALLOCATOR, settings.allocator())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("flush-coalescer", new FlushCoalescer(COALESCE_MAX_BYTES, metrics))
                                .addLast("quic", codec);
                    }
                });
        if (reusePort) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        if (batch > 1) {
            // recvmmsg: the buffer is cut into datagramBytes slots. Never with UDP_GRO (broken together in 4.2.18).
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, datagramBytes);
        }
        return b;
    }

    private static ChannelHandler codec(RelayCore core, QuicConfig config, QuicSettings settings, QuicMetrics metrics,
                                        ServerTls tls, ChannelGroup connections, boolean epoll, SecurityGate gate,
                                        RoomPlacement placement) {
        QuicServerCodecBuilder b = new QuicServerCodecBuilder()
                .sslContext(tls.quicContext())
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .congestionControlAlgorithm(config.congestion().algorithm())
                .maxSendUdpPayloadSize(config.maxUdpPayloadBytes())
                .maxRecvUdpPayloadSize(config.maxUdpPayloadBytes())
                .initialMaxData(2 * STREAM_WINDOW_BYTES)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW_BYTES)
                .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW_BYTES)
                .initialMaxStreamsBidirectional(1) // the control stream; media needs none
                .initialMaxStreamsUnidirectional(0)
                .datagram(config.datagramQueue(), config.datagramQueue())
                .tokenHandler(NoAddressValidation.INSTANCE)
                .option(ChannelOption.ALLOCATOR, settings.allocator())
                .streamOption(ChannelOption.ALLOCATOR, settings.allocator())
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast("relay-session", new QuicSessionHandler(core, settings, metrics, gate,
                                placement));
                    }
                })
                .streamHandler(ControlStreamHandler.initializer(settings.maxControlMessageBytes()));
        if (epoll && config.gso()) {
            b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
        }
        return b.build();
    }

    /** Where the sockets are bound (the real port when the config said 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) sockets.getFirst().localAddress();
    }

    /** How many UDP sockets (and event loops) share the port. */
    public int socketCount() {
        return sockets.size();
    }

    /** Connections open right now on each socket, in bind order (tests, diagnostics). */
    public int[] connectionsPerSocket() {
        int[] out = new int[sockets.size()];
        for (Channel ch : connections) {
            int i = sockets.indexOf(ch.parent());
            if (i >= 0) {
                out[i]++;
            }
        }
        return out;
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

    /** Whether the sockets use epoll (sendmmsg, GSO, SO_REUSEPORT) rather than NIO. */
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

    /** Closes what is left, the sockets and the event loops. */
    @Override
    public void close() {
        connections.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
        for (Channel s : sockets) {
            s.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis());
        }
        loops.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT.toMillis());
    }
}
