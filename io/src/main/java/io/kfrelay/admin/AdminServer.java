package io.kfrelay.admin;

import io.kfrelay.cluster.ClusterDrain;
import io.kfrelay.cluster.ClusterNode;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.telemetry.EventLoopLagProbe;
import io.kfrelay.telemetry.JvmMetricsSource;
import io.kfrelay.telemetry.MetricsRegistry;
import io.kfrelay.telemetry.RelayMetricsSource;
import io.kfrelay.web.StaticFileHandler;
import io.kfrelay.web.StaticFiles;
import io.kfrelay.web.WebHeaders;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The admin HTTP server: {@code /metrics}, {@code /healthz}, {@code /readyz} and the {@code /api/} for rooms, kicks
 * and draining. It runs on an event loop of its own (one NIO thread), so a scrape or a slow admin client never
 * takes time from the media loops, and probes still answer while those are busy.
 *
 * <p>Pipeline per connection: {@code http} (codec) → {@code http-aggregator} (small: requests have no body to
 * speak of) → {@code read-timeout} (idle keep-alive connections go) → {@code admin-ui} (the live page's files, from
 * the class-path folder {@value #UI_ROOT}: {@code /} and what it loads; they hold no data, so they need no token)
 * → {@code admin} ({@link AdminHttpHandler}: everything else, the page's data included, behind the token).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    private static final int IDLE_SECONDS = 60;
    static final String UI_ROOT = "admin-ui";

    private final EventLoopGroup group;
    private final Channel listener;
    private final EventLoopLagProbe lag;
    private final AtomicBoolean stopping;

    private AdminServer(EventLoopGroup group, Channel listener, EventLoopLagProbe lag, AtomicBoolean stopping) {
        this.group = group;
        this.listener = listener;
        this.lag = lag;
        this.stopping = stopping;
    }

    /**
     * Registers the core's, the JVM's and the event loops' metrics with {@code metrics} (transports register
     * their own) and binds the admin listener.
     *
     * @param ioLoops the relay's I/O event loops, whose lag is measured
     * @throws IOException if the listener cannot bind; nothing is left running
     */
    public static AdminServer start(AdminConfig config, RelayCore core, EventExecutorGroup ioLoops,
                                    MetricsRegistry metrics) throws IOException {
        return start(config, core, ioLoops, metrics, null);
    }

    /** The same, with the cluster node whose lookups {@code /api/cluster/} answers (null: not in a cluster). */
    public static AdminServer start(AdminConfig config, RelayCore core, EventExecutorGroup ioLoops,
                                    MetricsRegistry metrics, ClusterNode cluster) throws IOException {
        return start(config, core, ioLoops, metrics, cluster, null);
    }

    /** The same, with the cluster node's drain that {@code POST /api/drain} starts (null: a single relay's drain). */
    public static AdminServer start(AdminConfig config, RelayCore core, EventExecutorGroup ioLoops,
                                    MetricsRegistry metrics, ClusterNode cluster, ClusterDrain drain)
            throws IOException {
        if (!config.enabled()) {
            throw new IllegalArgumentException("the admin server is disabled in this configuration");
        }
        ListenAddress at = config.listen();
        InetSocketAddress bindTo = new InetSocketAddress(at.host(), at.port());
        if (bindTo.isUnresolved()) {
            throw new IOException("cannot listen on " + at + " (admin): unknown host " + at.host());
        }
        EventLoopLagProbe lag = EventLoopLagProbe.start(ioLoops, EventLoopLagProbe.DEFAULT_PERIOD_NANOS);
        metrics.register(new RelayMetricsSource(core)).register(lag).register(new JvmMetricsSource());

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kfrelay-admin", true),
                NioIoHandler.newFactory());
        AtomicBoolean stopping = new AtomicBoolean();
        AdminApi api = new AdminApi(core, metrics, stopping::get, cluster, drain);
        AdminAuth auth = new AdminAuth(config.token());
        StaticFiles ui = StaticFiles.load(UI_ROOT, AdminServer.class.getClassLoader());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("read-timeout", new ReadTimeoutHandler(IDLE_SECONDS))
                                .addLast("admin-ui", new StaticFileHandler(ui, request -> ui.at(request.uri()) == null,
                                        WebHeaders::sameOriginPolicy))
                                .addLast("admin", new AdminHttpHandler(api, auth));
                    }
                });
        Channel listener;
        try {
            listener = bootstrap.bind(bindTo).syncUninterruptibly().channel();
        } catch (Exception e) {
            lag.stop();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException("cannot listen on " + at + " (admin): " + reason, e);
        }
        AdminServer server = new AdminServer(group, listener, lag, stopping);
        InetSocketAddress bound = server.address();
        LOG.info("event=admin_listening address={} token={}", new ListenAddress(at.host(), bound.getPort()),
                config.token() == null ? "none" : "required");
        if (config.token() == null && !bound.getAddress().isLoopbackAddress()) {
            LOG.warn("the admin API on {} has no token: anyone who reaches it can kick participants and drain the "
                    + "relay (set --admin-token)", bound);
        }
        return server;
    }

    /** The bound address (the real port when the config said 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The relay is shutting down: {@code /readyz} says so from now on. */
    public void markStopping() {
        stopping.set(true);
    }

    @Override
    public void close() {
        stopping.set(true);
        lag.stop();
        listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
