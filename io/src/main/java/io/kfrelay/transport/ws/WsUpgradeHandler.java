package io.kfrelay.transport.ws;

import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;

/**
 * Upgrades the one HTTP request of a connection to a WebSocket, on the relay's path or on "/" (so that
 * {@code ws://host:port} works). Anything else that reaches it (the web app, when there is one, answers page
 * fetches before it) gets a short plain-text 4xx and a close. Once the upgrade is done this handler and the web
 * app's are gone and the pipeline carries WebSocket frames.
 */
final class WsUpgradeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final String path;
    private final WebSocketDecoderConfig decoderConfig;
    private final TransportMetrics metrics;

    WsUpgradeHandler(String path, int maxFrameBytes, TransportMetrics metrics) {
        this.path = path;
        this.metrics = metrics;
        // closeOnProtocolViolation off: the frame handler answers violations itself (an ERROR before the close).
        this.decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(false)
                .closeOnProtocolViolation(false)
                .build();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        String requested = new QueryStringDecoder(req.uri()).path();
        if (!requested.equals(path) && !requested.equals("/")) {
            refuse(ctx, HttpResponseStatus.NOT_FOUND, "no kfrelay endpoint at " + requested + ": connect to " + path);
            return;
        }
        boolean secure = ctx.pipeline().get(SslHandler.class) != null;
        String scheme = secure ? "wss://" : "ws://";
        if (!HttpMethod.GET.equals(req.method()) || !isUpgrade(req)) {
            refuse(ctx, HttpResponseStatus.UPGRADE_REQUIRED, "kfrelay speaks WebSocket: connect to " + scheme
                    + "HOST:PORT" + path);
            return;
        }
        String location = scheme + req.headers().get(HttpHeaderNames.HOST, "localhost") + path;
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(location, null, decoderConfig).newHandshaker(req);
        if (handshaker == null) {
            metrics.increment(Counter.HANDSHAKES_REJECTED);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        ChannelFuture done;
        try {
            done = handshaker.handshake(ctx.channel(), req);
        } catch (WebSocketHandshakeException e) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        pipeline.remove(this);
        if (pipeline.get(WsChannelInitializer.WEB_APP) != null) {
            pipeline.remove(WsChannelInitializer.WEB_APP);
        }
        done.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                pipeline.fireUserEventTriggered(HandshakeComplete.INSTANCE);
            } else {
                f.channel().close();
            }
        });
    }

    /** Whether a request asks to become a WebSocket ({@code Upgrade: websocket}). */
    static boolean isUpgrade(HttpRequest req) {
        return req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        metrics.increment(Counter.HANDSHAKES_REJECTED);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeUtf8(ctx.alloc(), text + "\n"));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
