package io.kfrelay.server;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A minimal raw WebSocket client for the server's socket tests: binary frames in and out, everything it
 * receives in an inbox, every wait bounded. Deliberately independent of io.kfrelay.client.
 */
final class WsTestClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(5);

    /** Shared by every test client: daemon threads, so a failed test never holds the JVM. */
    private static final MultiThreadIoEventLoopGroup LOOP =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ws-test-client", true), NioIoHandler.newFactory());

    /** What the client received, in order. */
    sealed interface Inbound {
    }

    record Binary(byte[] bytes) implements Inbound {
        MessageType type() {
            return ControlCodec.peekType(Unpooled.wrappedBuffer(bytes));
        }
    }

    record Text(String text) implements Inbound {
    }

    record Closed(int status) implements Inbound {
    }

    private volatile Channel channel;
    private final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();

    private WsTestClient() {
    }

    static WsTestClient connect(int port) throws Exception {
        return connect(port, "/kfrelay");
    }

    static WsTestClient connect(int port, String path) throws Exception {
        return connect(port, path, 0);
    }

    /**
     * Connects and completes the WebSocket handshake, or throws (e.g. a 404 for a wrong path).
     * {@code receiveBuffer} > 0 sets a small socket receive buffer (a receiver that backs up quickly).
     */
    static WsTestClient connect(int port, String path, int receiveBuffer) throws Exception {
        URI uri = new URI("ws://127.0.0.1:" + port + path);
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri, WebSocketVersion.V13, null, false, EmptyHttpHeaders.INSTANCE, 1 << 20);
        CompletableFuture<Void> handshake = new CompletableFuture<>();
        WsTestClient client = new WsTestClient();
        Bootstrap bootstrap = new Bootstrap().group(LOOP).channel(NioSocketChannel.class);
        if (receiveBuffer > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, receiveBuffer);
        }
        Channel ch = bootstrap
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
                                                handshake.complete(null);
                                            } catch (RuntimeException e) {
                                                handshake.completeExceptionally(e);
                                                ctx.close();
                                            }
                                            return;
                                        }
                                        switch ((WebSocketFrame) msg) {
                                            case BinaryWebSocketFrame f -> client.inbox.add(new Binary(ByteBufUtil.getBytes(f.content())));
                                            case TextWebSocketFrame f -> client.inbox.add(new Text(f.text()));
                                            case CloseWebSocketFrame f -> client.inbox.add(new Closed(f.statusCode()));
                                            default -> {
                                            }
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        handshake.completeExceptionally(new IllegalStateException("closed during handshake"));
                                        client.disconnected.complete(null);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        handshake.completeExceptionally(cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        client.channel = ch;
        ch.closeFuture().addListener(f -> client.disconnected.complete(null));
        try {
            handshake.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ch.close();
            throw e;
        }
        return client;
    }

    // ------------------------------------------------------------------ sending

    void send(byte[] message) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))).syncUninterruptibly();
    }

    void send(ControlMessage message) {
        channel.writeAndFlush(new BinaryWebSocketFrame(ControlCodec.encode(message, channel.alloc()))).syncUninterruptibly();
    }

    /** Sends without failing when the relay has already cut the connection; true if it was written. */
    boolean trySend(ControlMessage message) {
        return channel.writeAndFlush(new BinaryWebSocketFrame(ControlCodec.encode(message, channel.alloc())))
                .awaitUninterruptibly().isSuccess();
    }

    void sendFrame(WebSocketFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text)).syncUninterruptibly();
    }

    /** Sends a media packet with the given header fields (sender id as written by the client). */
    void sendMedia(int flags, int kind, int senderId, int streamId, long sequence, long timestamp, byte[] payload) {
        send(media(flags, kind, senderId, streamId, sequence, timestamp, payload));
    }

    static byte[] media(int flags, int kind, int senderId, int streamId, long sequence, long timestamp, byte[] payload) {
        ByteBuf b = Unpooled.buffer(MediaHeader.LENGTH + payload.length);
        MediaHeader.write(b, flags, kind, senderId, streamId, sequence, timestamp);
        b.writeBytes(payload);
        return ByteBufUtil.getBytes(b);
    }

    ControlMessage.Joined join(String room, String identity) throws InterruptedException {
        send(new ControlMessage.Join(room, identity, ""));
        return awaitControl(ControlMessage.Joined.class);
    }

    // ------------------------------------------------------------------ receiving (every wait bounded)

    Inbound next() throws InterruptedException {
        Inbound in = inbox.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (in == null) {
            fail("nothing received within " + WAIT);
        }
        return in;
    }

    /** The next message, which must be a control message. */
    ControlMessage nextControl() throws InterruptedException {
        Inbound in = next();
        Binary b = assertInstanceOf(Binary.class, in, "expected a binary frame");
        return decode(b.bytes());
    }

    /** Skips whatever comes before the first control message of {@code type} (bounded by the wait). */
    <T extends ControlMessage> T awaitControl(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Inbound in = inbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (in instanceof Binary b && b.type() != MessageType.MEDIA) {
                ControlMessage m = decode(b.bytes());
                if (type.isInstance(m)) {
                    return type.cast(m);
                }
            }
        }
        return fail("no " + type.getSimpleName() + " within " + WAIT);
    }

    /** Skips control messages until the next media packet. */
    byte[] awaitMedia() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Inbound in = inbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (in instanceof Binary b && b.type() == MessageType.MEDIA) {
                return b.bytes();
            }
        }
        return fail("no media within " + WAIT);
    }

    /** Expects an ERROR (skipping other messages), then the connection to close. Returns the ERROR. */
    ControlMessage.Error awaitErrorAndClose() throws Exception {
        ControlMessage.Error error = awaitControl(ControlMessage.Error.class);
        awaitDisconnect();
        return error;
    }

    void awaitDisconnect() throws Exception {
        disconnected.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isConnected() {
        return channel.isActive();
    }

    /** Stops (or resumes) reading from the socket: a stuck receiver. */
    void reading(boolean on) {
        channel.config().setAutoRead(on);
    }

    int pending() {
        return inbox.size();
    }

    void drainInbox() {
        inbox.clear();
    }

    static ControlMessage decode(byte[] bytes) {
        ControlCodec.Decoded d = ControlCodec.decode(Unpooled.wrappedBuffer(bytes));
        ControlCodec.Decoded.Ok ok = assertInstanceOf(ControlCodec.Decoded.Ok.class, d, () -> "undecodable: " + d);
        return ok.message();
    }

    static void assertError(ControlMessage.Error error, int code) {
        assertEquals(code, error.code(), () -> "ERROR " + error);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(WAIT.toMillis());
    }
}
