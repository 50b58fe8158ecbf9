package io.kfrelay.server;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.transport.NettyTransport;
import io.kfrelay.transport.TransportKind;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.ws.WsChannelInitializer;
import io.kfrelay.transport.ws.WsSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The relay as a network server: a {@link RelayCore} behind a WebSocket listener. Build it from a
 * {@link ServerConfig} and a core {@link RelayConfig}, {@link #start()} it, {@link #close()} it.
 *
 * <p>Threads: the core's shard threads and the Netty event loops are non-daemon threads; they keep the JVM
 * alive until {@link #close()}. Call {@code start()} and {@code close()} from an ordinary thread, never from
 * an event loop (close() waits).
 */
public final class RelayServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RelayServer.class.getName());
    /** Event loops get this long to finish their last tasks after every connection is closed. */
    private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private enum State { NEW, RUNNING, CLOSED }

    private final ServerConfig config;
    private final RelayConfig relayConfig;
    private final TransportMetrics metrics = new TransportMetrics();
    private State state = State.NEW;
    private RelayCore core;
    private NettyTransport transport;
    private EventLoopGroup loops;
    private ChannelGroup connections;
    private Channel wsListener;
    private InetSocketAddress wsBound;

    public RelayServer(ServerConfig config, RelayConfig relayConfig) {
        this.config = Objects.requireNonNull(config, "config");
        this.relayConfig = Objects.requireNonNull(relayConfig, "relayConfig");
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
        InetSocketAddress bindTo = new InetSocketAddress(config.wsListen().host(), config.wsListen().port());
        if (bindTo.isUnresolved()) {
            throw new IOException("cannot listen on " + config.wsListen() + ": unknown host " + config.wsListen().host());
        }
        state = State.RUNNING;
        core = RelayCore.start(relayConfig);
        loops = transport.newEventLoopGroup(config.eventLoopThreads(), "kfrelay-io");
        connections = new DefaultChannelGroup("kfrelay-connections", GlobalEventExecutor.INSTANCE);
        WsSettings ws = new WsSettings(config.wsPath(), config.maxFrameBytes(), config.sinkLimits(),
                config.joinTimeout(), config.drainTimeout());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true) // media is latency-bound; writes are batched anyway
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
                .childHandler(new WsChannelInitializer(core, ws, metrics, connections));
        try {
            wsListener = bootstrap.bind(bindTo).syncUninterruptibly().channel();
            wsBound = (InetSocketAddress) wsListener.localAddress();
        } catch (Exception e) {
            // Netty rethrows the bind failure as is (often a checked IOException it does not declare).
            stopEverything();
            state = State.CLOSED;
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException("cannot listen on " + config.wsListen() + ": " + reason, e);
        }
        LOG.log(System.Logger.Level.INFO, () -> "kfrelay listening on ws://"
                + new ListenAddress(config.wsListen().host(), wsBound.getPort()) + config.wsPath() + " (" + transport
                + ", " + config.eventLoopThreads() + " event loops)");
        return this;
    }

    /** The bound WebSocket port (the real one when the config said 0). */
    public int wsPort() {
        return wsAddress().getPort();
    }

    /** The bound WebSocket listener address. */
    public synchronized InetSocketAddress wsAddress() {
        requireStarted();
        return wsBound;
    }

    /** The transport in use (never AUTO). */
    public synchronized TransportKind transport() {
        requireStarted();
        return transport.kind();
    }

    /** The relay core (rooms, metrics); available once started. */
    public synchronized RelayCore core() {
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

    public RelayConfig relayConfig() {
        return relayConfig;
    }

    public synchronized boolean isRunning() {
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
            return;
        }
        state = State.CLOSED;
        int open = connections.size();
        LOG.log(System.Logger.Level.INFO, () -> "kfrelay shutting down (" + open + " connections)");
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        wsListener.close().awaitUninterruptibly(config.drainTimeout().toMillis());
        // Connections that have not joined hear it from the transport, participants from the core; the core
        // returns once every shard has queued its ERRORs. Each connection then closes once its queue is out.
        WsChannelInitializer.announceShutdown(connections);
        core.close();
        long left = Math.max(0, deadline - System.nanoTime());
        if (!connections.newCloseFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
            int stuck = connections.size();
            LOG.log(System.Logger.Level.INFO, () -> "cutting off " + stuck + " connections that did not drain in "
                    + config.drainTimeout().toMillis() + " ms");
            connections.close().awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis());
        }
        stopEverything();
        LOG.log(System.Logger.Level.INFO, "kfrelay stopped");
    }

    private void stopEverything() {
        if (wsListener != null) {
            wsListener.close().awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis());
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
