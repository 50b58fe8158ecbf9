package io.kfrelay.transport.ws;

import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.security.SecurityGate;
import io.kfrelay.transport.RoomPlacement;
import io.kfrelay.transport.TransportMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.kfrelay.web.StaticFileHandler;
import io.kfrelay.web.StaticFiles;
import io.kfrelay.web.WebHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;

/**
 * The pipeline of one WebSocket connection, small handlers in order:
 * <ol>
 *   <li>{@code tls} (only with a certificate): https and wss;</li>
 *   <li>{@code http}, {@code http-aggregator}: HTTP requests, the upgrade and page fetches (both removed by the
 *   upgrade);</li>
 *   <li>{@code web-app} (unless turned off): the browser client's files, for requests that are not a WebSocket
 *   upgrade nor on the relay's path ({@link StaticFileHandler}); removed by the upgrade;</li>
 *   <li>{@code ws-upgrade}: path check and handshake, which puts the WebSocket frame codec in their place;</li>
 *   <li>{@code ws-frames}: binary frames to protocol messages, WebSocket control frames, frame-level refusals;</li>
 *   <li>{@code relay-session}: the kfrelay session (JOIN, media, control) and the connection's egress sink.</li>
 * </ol>
 */
public final class WsChannelInitializer extends ChannelInitializer<Channel> {
    /** Neither the upgrade nor a page fetch has a body: anything bigger is not a kfrelay client. */
    private static final int MAX_UPGRADE_REQUEST_BYTES = 8 * 1024;
    /** The web app's handler, by name: the upgrade removes it (nothing after it on this connection is HTTP). */
    static final String WEB_APP = "web-app";

    private final RelayCore core;
    private final WsSettings settings;
    private final TransportMetrics metrics;
    private final ChannelGroup channels;
    private final SecurityGate gate;
    private final SslContext tls;
    private final StaticFiles webApp;
    private final RoomPlacement placement;

    /** {@code channels} collects every connection, for shutdown. */
    public WsChannelInitializer(RelayCore core, WsSettings settings, TransportMetrics metrics, ChannelGroup channels) {
        this(core, settings, metrics, channels, SecurityGate.defaults(settings.maxFrameBytes()));
    }

    /** {@code gate} admits connections and JOINs and limits each connection's ingress (docs/SECURITY.md). */
    public WsChannelInitializer(RelayCore core, WsSettings settings, TransportMetrics metrics, ChannelGroup channels,
                                SecurityGate gate) {
        this(core, settings, metrics, channels, gate, null, null);
    }

    /**
     * @param tls    the port's TLS context (https, wss), or null for plain http and ws
     * @param webApp the browser client's files, served on this port, or null for none
     */
    public WsChannelInitializer(RelayCore core, WsSettings settings, TransportMetrics metrics, ChannelGroup channels,
                                SecurityGate gate, SslContext tls, StaticFiles webApp) {
        this(core, settings, metrics, channels, gate, tls, webApp, RoomPlacement.LOCAL);
    }

    /** @param placement where JOINs are served: {@link RoomPlacement#LOCAL}, or a cluster node's decision */
    public WsChannelInitializer(RelayCore core, WsSettings settings, TransportMetrics metrics, ChannelGroup channels,
                                SecurityGate gate, SslContext tls, StaticFiles webApp, RoomPlacement placement) {
        this.placement = placement;
        this.gate = gate;
        this.tls = tls;
        this.webApp = webApp;
        this.core = core;
        this.settings = settings;
        this.metrics = metrics;
        this.channels = channels;
    }

    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        if (tls != null) {
            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
        }
        ch.pipeline()
                .addLast("http", new HttpServerCodec())
                .addLast("http-aggregator", new HttpObjectAggregator(MAX_UPGRADE_REQUEST_BYTES));
        if (webApp != null) {
            ch.pipeline().addLast(WEB_APP, new StaticFileHandler(webApp, this::forTheRelay, WebHeaders::webAppPolicy));
        }
        ch.pipeline()
                .addLast("ws-upgrade", new WsUpgradeHandler(settings.path(), settings.maxFrameBytes(), metrics))
                .addLast("ws-frames", new WsFrameHandler(settings.maxFrameBytes(), metrics))
                .addLast("relay-session", new RelaySessionHandler(core, settings, metrics, gate, placement));
    }

    /** Requests the web app leaves to the upgrade handler: every WebSocket upgrade, and anything on the relay's path. */
    private boolean forTheRelay(HttpRequest request) {
        return WsUpgradeHandler.isUpgrade(request) || new QueryStringDecoder(request.uri()).path().equals(settings.path());
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
