package io.kfrelay.client.ws;

import io.kfrelay.client.ClientOptions;
import io.kfrelay.client.ClientTransport;
import io.kfrelay.client.PinnedTrustManager;
import io.kfrelay.client.QuicClientOptions;
import io.kfrelay.client.QueuedClientTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link ClientTransport} over a WebSocket: each protocol message is one binary frame (docs/PROTOCOL.md §1).
 * {@code ws://}, or {@code wss://} over TLS, trusting the relay as {@link ClientOptions#quic()} says for QUIC: its
 * pinned fingerprint, anything ({@code insecure}), or by default the JVM's trusted roots and the host name. An empty
 * URL path upgrades {@code /}.
 */
public final class WebSocketClientTransport extends QueuedClientTransport {
    private final Channel channel;

    private WebSocketClientTransport(Channel channel, Duration closeTimeout) {
        super(channel, channel, closeTimeout);
        this.channel = channel;
    }

    public static CompletableFuture<ClientTransport> connect(URI url, ClientOptions options, Inbound inbound) {
        if (url.getHost() == null || url.getPort() < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "relay URL needs a host and a port: ws://HOST:PORT[/path], not '" + url + "'"));
        }
        SslContext tls;
        try {
            tls = "wss".equals(url.getScheme().toLowerCase(Locale.ROOT)) ? sslContext(options.quic()) : null;
        } catch (SSLException e) {
            return CompletableFuture.failedFuture(new IOException("cannot set up TLS for " + url + ": " + e.getMessage(), e));
        }
        CompletableFuture<ClientTransport> connected = new CompletableFuture<>();
        EventLoopGroup group = options.eventLoopGroup() != null ? options.eventLoopGroup() : SharedClientLoop.group();
        long timeoutMillis = options.connectTimeout().toMillis();
        WebSocketClientProtocolConfig ws = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(url)
                .maxFramePayloadLength(options.maxInboundMessageBytes())
                .handshakeTimeoutMillis(timeoutMillis)
                .dropPongFrames(true)
                // close() sends the close frame itself, behind what is queued; closing the channel must close at once
                // (Netty would otherwise send one more and wait up to 10 s for a relay that may not read it).
                .sendCloseFrame(null)
                .build();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.ALLOCATOR, options.allocator())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            // With the host, so the engine sends SNI and checks the name (unless pinned or insecure).
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), url.getHost(), url.getPort()));
                        }
                        ch.pipeline().addLast(
                                new HttpClientCodec(),
                                new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(ws),
                                // The relay sends whole messages, but a fragmented one is still legal WebSocket.
                                new WebSocketFrameAggregator(options.maxInboundMessageBytes()),
                                new InboundHandler(url, inbound, connected, options.closeTimeout()));
                    }
                });
        b.connect(url.getHost(), url.getPort()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                connected.completeExceptionally(new IOException("cannot connect to " + url + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        return connected;
    }

    private static SslContext sslContext(QuicClientOptions trust) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3", "TLSv1.2");
        if (trust.pin() != null) {
            b.trustManager(new PinnedTrustManager(trust.pin())).endpointIdentificationAlgorithm(null);
        } else if (trust.insecure()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            b.endpointIdentificationAlgorithm("HTTPS");
        }
        return b.build();
    }

    // ------------------------------------------------------------------ one binary frame per message

    @Override
    protected boolean channelsWritable() {
        return channel.isWritable();
    }

    @Override
    protected long bytesBeforeUnwritable() {
        return channel.bytesBeforeUnwritable();
    }

    @Override
    protected void send(ByteBuf message) {
        channel.write(new BinaryWebSocketFrame(message), channel.voidPromise());
    }

    @Override
    protected void flushChannels() {
        channel.flush();
    }

    /** Sends the close frame behind what is queued, and closes once that is sent. */
    @Override
    protected void sayGoodbye() {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    @Override
    protected void cut() {
        channel.close();
    }

    /** Completes the connect future at the end of the handshake, then hands binary frames to {@link Inbound}. */
    private static final class InboundHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final URI url;
        private final Inbound inbound;
        private final CompletableFuture<ClientTransport> connected;
        private final Duration closeTimeout;
        private final AtomicBoolean closeReported = new AtomicBoolean();
        private Throwable failure;
        private WebSocketClientTransport transport;

        InboundHandler(URI url, Inbound inbound, CompletableFuture<ClientTransport> connected, Duration closeTimeout) {
            this.url = url;
            this.inbound = inbound;
            this.connected = connected;
            this.closeTimeout = closeTimeout;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                transport = new WebSocketClientTransport(ctx.channel(), closeTimeout);
                connected.complete(transport);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                connected.completeExceptionally(new IOException("WebSocket handshake with " + url + " timed out"));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof BinaryWebSocketFrame) {
                inbound.onMessage(frame.content());
            } else {
                inbound.onError(new IOException("relay sent a " + frame.getClass().getSimpleName()
                        + "; the protocol uses binary frames only"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!connected.isDone()) {
                connected.completeExceptionally(new IOException("WebSocket connection to " + url + " failed: "
                        + cause.getMessage(), cause));
                ctx.close();
                return;
            }
            failure = cause;
            inbound.onError(cause);
            if (cause instanceof IOException) {
                ctx.close();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (transport != null) {
                transport.onWritabilityChanged();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!connected.isDone()) {
                connected.completeExceptionally(new IOException("connection to " + url + " closed during the handshake"));
            } else if (closeReported.compareAndSet(false, true)) {
                inbound.onClosed(failure);
            }
            super.channelInactive(ctx);
        }
    }
}
