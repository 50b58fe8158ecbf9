package io.kfrelay.transport.ws;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.TransportMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The pipeline of one WebSocket connection, small handlers in order:
 * <ol>
 *   <li>{@code http}, {@code http-aggregator}: the HTTP upgrade request (both removed by the upgrade);</li>
 *   <li>{@code ws-upgrade}: path check and handshake, which puts the WebSocket frame codec in their place;</li>
 *   <li>{@code ws-frames}: binary frames to protocol messages, WebSocket control frames, frame-level refusals;</li>
 *   <li>{@code relay-session}: the kfrelay session (JOIN, media, control) and the connection's egress sink.</li>
 * </ol>
 */
public final class WsChannelInitializer extends ChannelInitializer<Channel> {
    /** The upgrade request has no body: anything bigger is not a kfrelay client. */
    private static final int MAX_UPGRADE_REQUEST_BYTES = 8 * 1024;

    private final RelayCore core;
    private final WsSettings settings;
    private final TransportMetrics metrics;
    private final ChannelGroup channels;
    private final SecurityGate gate;

    /** {@code channels} collects every connection, for shutdown. */
    public WsChannelInitializer(RelayCore core, WsSettings settings, TransportMetrics metrics, ChannelGroup channels) {
        this(core, settings, metrics, channels, SecurityGate.defaults(settings.maxFrameBytes()));
    }

    /** {@code gate} admits connections and JOINs and limits each connection's ingress (docs/SECURITY.md). */
    public WsChannelInitializer(RelayCore core, WsSettings settings, TransportMetrics metrics, ChannelGroup channels,
                                SecurityGate gate) {
        this.gate = gate;
        this.core = core;
        this.settings = settings;
        this.metrics = metrics;
        this.channels = channels;
    }

    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        ch.pipeline()
                .addLast("http", new HttpServerCodec())
                .addLast("http-aggregator", new HttpObjectAggregator(MAX_UPGRADE_REQUEST_BYTES))
                .addLast("ws-upgrade", new WsUpgradeHandler(settings.path(), settings.maxFrameBytes(), metrics))
                .addLast("ws-frames", new WsFrameHandler(settings.maxFrameBytes(), metrics))
                .addLast("relay-session", new RelaySessionHandler(core, settings, metrics, gate));
    }

    /**
     * Tells every connection that has not joined that the relay is going away (ERROR RELAY_SHUTTING_DOWN,
     * then close; not yet upgraded ones just close). Joined ones hear it from {@link RelayCore#close()}.
     * Any thread: each connection handles it on its own event loop.
     */
    public static void announceShutdown(Iterable<Channel> channels) {
        for (Channel ch : channels) {
            ch.pipeline().fireUserEventTriggered(RelayShutdown.INSTANCE);
        }
    }
}
