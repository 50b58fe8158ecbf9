package io.kfrelay.e2e;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MessageType;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A raw WebSocket connection that says whatever a test tells it to, from a chosen loopback source address
 * (127.0.0.0/8 all reaches the relay, so each attacker can be "another host"). It keeps only what a hostile
 * test needs to know: the first ERROR it was sent, and when the relay closed the connection. Every wait bounded.
 */
final class HostileClient implements AutoCloseable {
    private static final MultiThreadIoEventLoopGroup LOOP =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hostile-client", true), NioIoHandler.newFactory());

    private final Channel channel;
    private final CompletableFuture<ControlMessage.Error> error = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** What it received, in order (message types, frames of other kinds, its own pipeline's errors): for failures. */
    private final java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

    private HostileClient(Channel channel) {
        this.channel = channel;
        channel.closeFuture().addListener(f -> {
            closed.complete(null);
            error.complete(null); // closed without an ERROR
        });
    }

    /** Connects from {@code source} and completes the WebSocket upgrade. */
    static HostileClient connect(int port, String source) throws Exception {
        URI uri = new URI("ws://127.0.0.1:" + port + "/kfrelay");
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                null, false, EmptyHttpHeaders.INSTANCE, 1 << 20);
        CompletableFuture<Void> upgraded = new CompletableFuture<>();
        CompletableFuture<HostileClient> self = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(LOOP).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        handshaker.handshake(ctx.channel());
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                        if (!handshaker.isHandshakeComplete()) {
                                            try {
                                                handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                                                upgraded.complete(null);
                                            } catch (RuntimeException e) {
                                                upgraded.completeExceptionally(e);
                                            }
                                            return;
                                        }
                                        if (msg instanceof BinaryWebSocketFrame f) {
                                            self.join().heard.add(String.valueOf(ControlCodec.peekType(f.content())));
                                        } else {
                                            self.join().heard.add(msg.getClass().getSimpleName());
                                        }
                                        if (msg instanceof BinaryWebSocketFrame f
                                                && ControlCodec.peekType(f.content()) == MessageType.ERROR
                                                && ControlCodec.decode(f.content()) instanceof ControlCodec.Decoded.Ok(
                                                        ControlMessage.Error e)) {
                                            self.join().error.complete(e);
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        upgraded.completeExceptionally(new IllegalStateException("closed during upgrade"));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        self.join().heard.add("client error: " + cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port), new InetSocketAddress(source, 0)).sync().channel();
        HostileClient client = new HostileClient(ch);
        self.complete(client);
        upgraded.get(5, TimeUnit.SECONDS);
        return client;
    }

    void sendBinary(byte[] bytes) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    void send(ControlMessage m) {
        channel.writeAndFlush(new BinaryWebSocketFrame(ControlCodec.encode(m, channel.alloc()))); // the frame owns it
    }

    void sendFrame(WebSocketFrame frame) {
        channel.writeAndFlush(frame);
    }

    void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    /** Writes without flushing while the socket takes it: a flood. False once the connection is gone. */
    boolean flood(byte[] message, int count) {
        for (int i = 0; i < count && channel.isActive(); i++) {
            channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message)));
        }
        channel.flush();
        return channel.isActive();
    }

    boolean isWritable() {
        return channel.isWritable();
    }

    /** The ERROR code the relay answered with; fails if it closed without one or not within 5 s. */
    int awaitErrorCode() throws Exception {
        ControlMessage.Error e = error.get(5, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("the relay closed the connection without an ERROR; the client heard " + heard);
        }
        return e.code();
    }

    void awaitClosed() throws Exception {
        closed.get(5, TimeUnit.SECONDS);
    }

    boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5_000);
    }
}
