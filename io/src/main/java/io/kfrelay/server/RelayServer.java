package io.kfrelay.server;

import io.kfrelay.admin.AdminConfig;
import io.kfrelay.admin.AdminServer;
import io.kfrelay.cluster.ClusterConfig;
import io.kfrelay.cluster.ClusterDrain;
import io.kfrelay.cluster.ClusterNode;
import io.kfrelay.cluster.SessionMover;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.transport.SinkLimits;
import io.kfrelay.log.LifecycleLog;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.security.SecurityMetrics;
import io.kfrelay.telemetry.MetricSource;
import io.kfrelay.telemetry.MetricsRegistry;
import io.kfrelay.telemetry.TransportMetricsSource;
import io.kfrelay.transport.NettyTransport;
import io.kfrelay.transport.RoomPlacement;
import io.kfrelay.transport.ServerTls;
import io.kfrelay.transport.TransportKind;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.quic.QuicListener;
import io.kfrelay.transport.quic.QuicMetrics;
import io.kfrelay.transport.quic.QuicSettings;
import io.kfrelay.transport.ws.WsChannelInitializer;
import io.kfrelay.transport.ws.WsSettings;
import io.kfrelay.web.StaticFiles;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay as a network server: a {@link RelayCore} behind a WebSocket listener. Build it from a
 * {@link ServerConfig} and a core {@link RelayConfig}, {@link #start()} it, {@link #close()} it.
 *
 * <p>Threads: the core's shard threads and the Netty event loops are non-daemon threads; they keep the JVM
 * alive until {@link #close()}. Call {@code start()} and {@code close()} from an ordinary thread, never from
 * an event loop (close() waits). The lifecycle ({@code with*}, start, close) is serialized by this object's
 * lock; the accessors never take it (close() holds it for the whole drain, and an admin handler on an event
 * loop asking {@link #isRunning()} meanwhile must not wait for that).
 */
public final class RelayServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RelayServer.class.getName());
    /** Event loops get this long to finish their last tasks after every connection is closed. */
    private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Linux's TCP_NOTSENT_LOWAT (setsockopt IPPROTO_TCP, 25) on every WebSocket connection: the kernel takes more
     * for a connection only while less than this is waiting unsent in its socket (what is in flight does not count,
     * so a fast link's throughput is untouched). Without it the send buffer grows by autotuning to megabytes
     * (tcp_wmem), seconds of media on a slow link that the relay can neither see nor drop: a congested receiver's
     * backlog would show in the relay's queues (what its drop policy and the auto layer act on) only once the kernel
     * has filled up. Epoll and io_uring only (NIO cannot set it).
     */
    private static final IntegerUnixChannelOption TCP_NOTSENT_LOWAT =
            new IntegerUnixChannelOption("TCP_NOTSENT_LOWAT", 6, 25);
    private static final int NOTSENT_LOWAT_BYTES = 64 * 1024;

    private enum State { NEW, RUNNING, CLOSED }

    private final ServerConfig config;
    private final RelayConfig relayConfig;
    private final TransportMetrics metrics = new TransportMetrics();
    /** Every metric source of this relay (/metrics reads them all); each transport registers its counters. */
    private final MetricsRegistry telemetry = new MetricsRegistry().register(new TransportMetricsSource("ws", metrics));
    // The admin HTTP server (off unless withAdmin is called): metrics, health, rooms API, drain.
    private AdminConfig adminConfig = AdminConfig.disabled();
    // Written under the lock, read without it (see the class comment): volatile, each set once in start().
    private volatile AdminServer admin;
    private volatile State state = State.NEW;
    private volatile RelayCore core;
    private volatile NettyTransport transport;
    private EventLoopGroup loops;
    private ChannelGroup connections;
    private Channel wsListener;
    private volatile InetSocketAddress wsBound;
    // Where the WebSocket listener binds as configured or decided by ListenPolicy, with the bound port.
    private volatile ListenAddress wsListen;
    private volatile ListenAddress quicListen; // the same for QUIC; null without a QUIC listener
    // What start() told the operator about the security mode and where the relay is reachable; null: nothing.
    private volatile String startupWarning;
    // QUIC (off unless withQuic is called): its own UDP sockets and event loops, its own counters.
    private QuicConfig quicConfig = QuicConfig.disabled();
    private final QuicMetrics quicMetrics = new QuicMetrics();
    private volatile QuicListener quicListener;
    // The relay's certificate (ServerConfig.tls), read once for both listeners; null: plain WebSocket, self-signed QUIC.
    private volatile ServerTls tls;
    // The browser client's files served on the WebSocket port; null with the web app off.
    private volatile StaticFiles webApp;
    // Admission control for every transport (docs/SECURITY.md): default limits, open mode, unless withSecurity.
    private SecurityGate security;
    // Cluster mode (docs/CLUSTER.md): off (null) unless withCluster; the node, once start() connected it.
    private ClusterConfig clusterConfig;
    private volatile ClusterNode cluster;
    // The cluster node's placement and drain (null without cluster mode).
    private volatile ClusterDrain clusterDrain;
    private static final CompletableFuture<Void> NEVER_DRAINED = new CompletableFuture<>();

    /**
     * @throws IllegalArgumentException if the two configurations contradict each other (a replay window that does
     *                                  not fit a connection's queue)
     */
    public RelayServer(ServerConfig config, RelayConfig relayConfig) {
        this.config = Objects.requireNonNull(config, "config");
        this.relayConfig = Objects.requireNonNull(relayConfig, "relayConfig");
        // A replay leaves up to its window in the joiner's queue when it hands over; live media (video deltas, the
        // first to be refused) must still fit beside it: half the deltas' share in bytes, and in messages of 512 bytes.
        SinkLimits limits = config.sinkLimits();
        int window = relayConfig.replayWindowBytes();
        if (window > limits.deltaBytes() / 2 || window / 512 > limits.deltaMessages()) {
            throw new IllegalArgumentException("replay-window (" + window + ") must be at most half of the video "
                    + "deltas' share of sink-queue-bytes (" + limits.deltaBytes() / 2 + ") and at most "
                    + limits.deltaMessages() + " messages of 512 bytes: raise sink-queue-bytes/-messages or lower it");
        }
    }

    /**
     * Starts the core and the event loops and binds the WebSocket listener. Returns once the port is bound.
     *
     * @throws IOException           if the listener cannot bind (address in use, unknown host, ...); nothing is
     *                               left running
     * @throws IllegalStateException if the configured native transport is not available here, or if this
     *                               server was started before
     */
    public synchronized RelayServer start() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("a RelayServer starts once; this one is " + state.name().toLowerCase());
        }
        transport = NettyTransport.select(config.transport());
        ListenAddress wsAt = ListenPolicy.resolve(config.wsListen(), ListenPolicy.DEFAULT_WS_PORT, security().config());
        InetSocketAddress bindTo = new InetSocketAddress(wsAt.host(), wsAt.port());
        if (bindTo.isUnresolved()) {
            throw new IOException("cannot listen on " + wsAt + ": unknown host " + wsAt.host());
        }
        // Before anything runs: a bad certificate or an unreadable bundle stops start-up with nothing to undo.
        tls = ServerTls.of(config.tls());
        try {
            webApp = config.webApp() ? StaticFiles.load(config.webRoot(), RelayServer.class.getClassLoader()) : null;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        // Cluster mode: the store must answer before anything listens (start-up fails fast, nothing to undo).
        if (clusterConfig != null) {
            cluster = ClusterNode.connect(clusterConfig);
        }
        state = State.RUNNING;
        core = RelayCore.start(relayConfig);
        RoomPlacement placement = RoomPlacement.LOCAL;
        if (cluster != null) {
            // Sessions of a room another node took, or of a draining node, are ended through the core.
            SessionMover mover = new SessionMover(core::evictRoom);
            cluster.moveSessionsWith(mover);
            telemetry.register(mover);
            clusterDrain = new ClusterDrain(cluster, core, mover);
            placement = clusterDrain;
        }
        loops = transport.newEventLoopGroup(config.eventLoopThreads(), "kfrelay-io");
        connections = new DefaultChannelGroup("kfrelay-connections", GlobalEventExecutor.INSTANCE);
        WsSettings ws = new WsSettings(config.wsPath(), config.maxFrameBytes(), config.sinkLimits(),
                config.joinTimeout(), config.drainTimeout(), config.wsFraming());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, config.allocator().instance())
                .childOption(ChannelOption.ALLOCATOR, config.allocator().instance()) // reads, control, frame headers
                .childOption(ChannelOption.TCP_NODELAY, true) // media is latency-bound; writes are batched anyway
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
                .childHandler(new WsChannelInitializer(core, ws, metrics, connections, security(),
                        tls == null ? null : tls.tcpContext(), webApp, placement));
        if (transport.kind() != TransportKind.NIO) {
            bootstrap.childOption(TCP_NOTSENT_LOWAT, NOTSENT_LOWAT_BYTES);
        }
        try {
            wsListener = bootstrap.bind(bindTo).syncUninterruptibly().channel();
            wsBound = (InetSocketAddress) wsListener.localAddress();
        } catch (Exception e) {
            // Netty rethrows the bind failure as is (often a checked IOException it does not declare).
            stopEverything();
            state = State.CLOSED;
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException("cannot listen on " + wsAt + ": " + reason, e);
        }
        wsListen = new ListenAddress(wsAt.host(), wsBound.getPort());
        List<InetSocketAddress> listeners = new ArrayList<>(List.of(wsBound));
        if (quicConfig.enabled()) {
            QuicConfig quic = quicConfig.toBuilder()
                    .listen(ListenPolicy.resolve(quicConfig.listen(), ListenPolicy.DEFAULT_QUIC_PORT, security().config()))
                    .build();
            try {
                quicListener = QuicListener.start(core, quic, tls, quicSettings(), quicMetrics,
                        transport.kind() != TransportKind.NIO, security(), placement);
                quicListen = new ListenAddress(quic.listen().host(), quicListener.address().getPort());
                listeners.add(quicListener.address());
            } catch (IOException e) {
                stopEverything();
                state = State.CLOSED;
                throw e;
            }
        }
        // QUIC's and the security gate's own counters (the core's, the JVM's and the loops' come with the admin server).
        telemetry.register(new TransportMetricsSource("quic", quicMetrics.sessions()))
                .register(MetricSource.counters("kfrelay_quic_", "QUIC transport", QuicMetrics.Counter.class,
                        quicMetrics::get))
                .register(MetricSource.counters("kfrelay_security_", "Security gate", SecurityMetrics.Counter.class,
                        security().metrics()::get));
        if (cluster != null) {
            cluster.cascade(core);
            telemetry.register(cluster.metrics());
        }
        if (adminConfig.enabled()) {
            try {
                admin = AdminServer.start(adminConfig, core, loops, telemetry, cluster, clusterDrain);
            } catch (IOException e) {
                stopEverything();
                state = State.CLOSED;
                throw e;
            }
        }
        if (cluster != null) {
            try {
                cluster.start(nodeId(), advertised(), core::isDraining, true);
            } catch (IOException e) {
                stopEverything();
                state = State.CLOSED;
                throw e;
            }
        }
        startupWarning = security().startupWarning(listeners);
        if (startupWarning != null) {
            LOG.log(System.Logger.Level.WARNING, startupWarning);
        }
        LOG.log(System.Logger.Level.INFO, () -> "kfrelay listening on " + wsUrl() + " (" + transport
                + ", " + config.eventLoopThreads() + " event loops, " + config.allocator().label() + " allocator, "
                + config.wsFraming().label() + " framing" + (tls == null ? "" : ", TLS") + ")");
        if (webApp != null) {
            LOG.log(System.Logger.Level.INFO, () -> "web app at " + webUrl() + " (" + webApp.names().size() + " files)");
        }
        return this;
    }

    /**
     * Sets tokens, room allow-lists and abuse limits (before {@link #start()}); without it the server runs in open
     * mode with the default limits, and listeners without a named address bind loopback ({@link ListenPolicy}).
     * Start-up logs a warning unless tokens are required.
     *
     * @throws IllegalArgumentException if the byte rate could not admit a message of max-frame-bytes
     */
    public synchronized RelayServer withSecurity(SecurityConfig securityConfig) {
        if (state != State.NEW) {
            throw new IllegalStateException("withSecurity must be called before start()");
        }
        if (security != null) {
            security.close();
        }
        security = new SecurityGate(securityConfig, config.maxFrameBytes());
        return this;
    }

    /** The admission control in use: its mode, config and counters. */
    public synchronized SecurityGate security() {
        if (security == null) {
            security = SecurityGate.defaults(config.maxFrameBytes());
        }
        return security;
    }

    /**
     * Makes this relay a node of a cluster (before {@link #start()}): start() connects to the store (failing if it
     * does not answer), registers the node and claims the rooms whose JOINs it serves. Null: a single relay, as
     * without this call. docs/CLUSTER.md.
     */
    public synchronized RelayServer withCluster(ClusterConfig config) {
        if (state != State.NEW) {
            throw new IllegalStateException("withCluster must be called before start()");
        }
        clusterConfig = config;
        return this;
    }

    /** The cluster node, or null without cluster mode (or before start). */
    public ClusterNode cluster() {
        return cluster;
    }

    /** The cluster node's drain ({@code POST /api/drain}), or null without cluster mode (or before start). */
    public ClusterDrain clusterDrain() {
        return clusterDrain;
    }

    /**
     * Completes when a cluster node's drain is over (no session left, or its deadline passed): then the process
     * stops. Never completes for a single relay, whose drain lasts until it is stopped.
     */
    public CompletableFuture<Void> drained() {
        ClusterDrain d = clusterDrain;
        return d == null ? NEVER_DRAINED : d.drained();
    }

    /** The configured node id, else {@code HOSTNAME:WSPORT}. */
    private String nodeId() {
        if (clusterConfig.nodeId() != null) {
            return clusterConfig.nodeId();
        }
        return hostName() + ":" + wsBound.getPort();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** What the node tells others: the configured URLs, else the listeners' (a wildcard host as this host's name). */
    private ClusterNode.Advertised advertised() {
        String ws = clusterConfig.advertiseWs() != null ? clusterConfig.advertiseWs()
                : (tls == null ? "ws://" : "wss://") + reachable(wsListen) + config.wsPath();
        String quic = clusterConfig.advertiseQuic() != null ? clusterConfig.advertiseQuic()
                : quicListener == null ? "" : "quic://" + reachable(quicListen);
        String pin = quicListener != null && quicListener.tls().isSelfSigned() ? quicListener.fingerprint().toString()
                : "";
        InetSocketAddress a = admin == null ? null : admin.address();
        String adminUrl = a == null ? "" : "http://" + reachable(new ListenAddress(adminConfig.listen().host(),
                a.getPort()));
        return new ClusterNode.Advertised(ws, quic, pin, adminUrl);
    }

    private static String reachable(ListenAddress at) {
        String h = at.host();
        boolean wildcard = h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]");
        return wildcard ? new ListenAddress(hostName(), at.port()).toString() : at.toString();
    }

    /** Adds a QUIC listener (before {@link #start()}); {@link QuicConfig#disabled()} removes it again. */
    public synchronized RelayServer withQuic(QuicConfig quic) {
        if (state != State.NEW) {
            throw new IllegalStateException("withQuic must be called before start()");
        }
        quicConfig = Objects.requireNonNull(quic, "quic");
        return this;
    }

    private QuicSettings quicSettings() {
        // Credit: what quiche may hold per connection before the sink stops handing media over; both limits
        // must be reached, and either alone keeps quiche's datagram queue from overflowing.
        return new QuicSettings(config.sinkLimits(), config.maxFrameBytes(), config.joinTimeout(),
                config.drainTimeout(), quicConfig.keepAlive(), 128L * quicConfig.datagramQueue(),
                quicConfig.datagramQueue() / 2, config.allocator().instance());
    }

    /** {@code ws://HOST:PORT/PATH}, or {@code wss://} with a certificate: where clients connect. */
    public String wsUrl() {
        requireStarted();
        return (tls == null ? "ws://" : "wss://") + wsListen + config.wsPath();
    }

    /** {@code http://HOST:PORT/}, or {@code https://} with a certificate: the web app's page; null without it. */
    public String webUrl() {
        requireStarted();
        return webApp == null ? null : (tls == null ? "http://" : "https://") + wsListen + "/";
    }

    /** The certificate both listeners present, when one is configured ({@link ServerConfig#tls()}); else null. */
    public ServerTls tls() {
        return tls;
    }

    /** The QUIC listener, or null when there is none (not configured, or not started). */
    public QuicListener quic() {
        return quicListener;
    }

    /** The QUIC counters (from construction on; all zero without a QUIC listener). */
    public QuicMetrics quicMetrics() {
        return quicMetrics;
    }

    /** Adds the admin HTTP server (before {@link #start()}); {@link AdminConfig#disabled()} removes it again. */
    public synchronized RelayServer withAdmin(AdminConfig admin) {
        if (state != State.NEW) {
            throw new IllegalStateException("withAdmin must be called before start()");
        }
        adminConfig = Objects.requireNonNull(admin, "admin");
        return this;
    }

    /** The bound admin address, or null when there is no admin server (not configured, or not started). */
    public InetSocketAddress adminAddress() {
        AdminServer a = admin;
        return a == null ? null : a.address();
    }

    /** Where transports register their counters for /metrics. */
    public MetricsRegistry telemetry() {
        return telemetry;
    }

    /** The bound WebSocket port (the real one when the config said 0). */
    public int wsPort() {
        return wsAddress().getPort();
    }

    /**
     * Where the WebSocket listener binds: the host as configured (or as {@link ListenPolicy} decided when none was
     * named) with the bound port.
     */
    public ListenAddress wsListen() {
        requireStarted();
        return wsListen;
    }

    /** Where the QUIC listener binds, as {@link #wsListen()}; null when there is none. */
    public ListenAddress quicListen() {
        requireStarted();
        return quicListen;
    }

    /**
     * What start-up warned the operator about (also logged): open mode, and whether on a public address, or
     * optional tokens; null when tokens are required. See {@link SecurityGate#startupWarning}.
     */
    public String startupWarning() {
        requireStarted();
        return startupWarning;
    }

    /** The bound WebSocket listener address. */
    public InetSocketAddress wsAddress() {
        requireStarted();
        return wsBound;
    }

    /** The transport in use (never AUTO). */
    public TransportKind transport() {
        requireStarted();
        return transport.kind(); // set before core and wsBound, which requireStarted saw
    }

    /** The relay core (rooms, metrics); available once started. */
    public RelayCore core() {
        requireStarted();
        return core;
    }

    /** The transport counters (from construction on). */
    public TransportMetrics metrics() {
        return metrics;
    }

    public ServerConfig config() {
        return config;
    }

    /** The open WebSocket connections (tests look at their channel options). */
    ChannelGroup wsConnections() {
        return connections;
    }

    public RelayConfig relayConfig() {
        return relayConfig;
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    private void requireStarted() {
        if (core == null || wsBound == null) {
            throw new IllegalStateException("the RelayServer has not been started");
        }
    }

    /**
     * Graceful shutdown: stops accepting, tells every participant (ERROR RELAY_SHUTTING_DOWN), lets each
     * connection write out its queue within the drain timeout, closes what is left and stops the event loops.
     * Idempotent; blocks for at most about the drain timeout plus a few seconds.
     */
    @Override
    public synchronized void close() {
        if (state != State.RUNNING) {
            state = State.CLOSED;
            if (security != null) {
                security.close();
            }
            return;
        }
        state = State.CLOSED;
        if (admin != null) {
            admin.markStopping(); // /readyz turns 503 at once; /healthz and /metrics answer until the end
        }
        int open = connections.size();
        LOG.log(System.Logger.Level.INFO, () -> "kfrelay shutting down (" + open + " connections)");
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        wsListener.close().awaitUninterruptibly(config.drainTimeout().toMillis());
        // Connections that have not joined hear it from the transport, participants from the core; the core
        // returns once every shard has queued its ERRORs. Each connection then closes once its queue is out.
        WsChannelInitializer.announceShutdown(connections);
        if (quicListener != null) {
            quicListener.announceShutdown();
        }
        core.close();
        long left = Math.max(0, deadline - System.nanoTime());
        if (!connections.newCloseFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
            int stuck = connections.size();
            LOG.log(System.Logger.Level.INFO, () -> "cutting off " + stuck + " connections that did not drain in "
                    + config.drainTimeout().toMillis() + " ms");
            connections.close().awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis());
        }
        if (quicListener != null) {
            quicListener.awaitConnectionsClosed(Math.max(0, deadline - System.nanoTime())); // close() cuts the rest
        }
        stopEverything();
        LifecycleLog.flush(1, TimeUnit.SECONDS); // the shards' last lines, before the JVM exits
        LOG.log(System.Logger.Level.INFO, "kfrelay stopped");
    }

    private void stopEverything() {
        if (security != null) {
            security.close(); // a JWKS watch
        }
        if (clusterDrain != null) {
            clusterDrain.close();
        }
        if (cluster != null) {
            cluster.close(); // releases its claims, deregisters (compare-and-delete); idempotent
        }
        if (admin != null) {
            admin.close();
        }
        if (wsListener != null) {
            wsListener.close().awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis());
        }
        if (quicListener != null) {
            quicListener.close();
        }
        if (core != null) {
            core.close(); // idempotent
        }
        if (loops != null) {
            loops.shutdownGracefully(0, LOOP_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis() * 2);
        }
    }
}
