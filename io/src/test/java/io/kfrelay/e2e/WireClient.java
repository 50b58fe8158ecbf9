package io.kfrelay.e2e;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.kfrelay.protocol.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One participant on the wire, without the Java client's logic: it JOINs, keeps every control message the relay
 * sends (in order), counts media and does not follow REDIRECTs. What a test needs to see a REDIRECT that arrives
 * mid-session (after JOINED), which the Java client does not act on yet. Every wait bounded.
 */
final class WireClient implements AutoCloseable {
    private static final MultiThreadIoEventLoopGroup LOOP =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wire-client", true), NioIoHandler.newFactory());

    private final Channel channel;
    private final List<ControlMessage> controls = new CopyOnWriteArrayList<>();
    private final AtomicLong media = new AtomicLong();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private long sequence;

    private WireClient(Channel channel) {
        this.channel = channel;
    }

    /** Connects to a relay's WebSocket URL ({@code ws://HOST:PORT/PATH}). */
    static WireClient connect(URI ws) throws Exception {
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(ws, WebSocketVersion.V13,
                null, false, EmptyHttpHeaders.INSTANCE, 1 << 20);
        CompletableFuture<Void> upgraded = new CompletableFuture<>();
        CompletableFuture<WireClient> self = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(LOOP).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
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
                                            self.join().received(f.content());
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        upgraded.completeExceptionally(new IllegalStateException("closed during upgrade"));
                                        self.join().closed.complete(null);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(ws.getHost(), ws.getPort()).sync().channel();
        WireClient client = new WireClient(ch);
        self.complete(client);
        upgraded.get(5, TimeUnit.SECONDS);
        return client;
    }

    private void received(ByteBuf frame) {
        if (ControlCodec.peekType(frame) == MessageType.MEDIA) {
            media.incrementAndGet();
        } else if (ControlCodec.decode(frame) instanceof ControlCodec.Decoded.Ok(ControlMessage m)) {
            synchronized (controls) {
                controls.add(m);
                controls.notifyAll();
            }
        }
    }

    /** Sends JOIN and returns the relay's answer: JOINED, REDIRECT or ERROR. */
    ControlMessage join(String room, String identity) throws InterruptedException {
        send(new ControlMessage.Join(room, identity, ""));
        return await(ControlMessage.class, Duration.ofSeconds(10));
    }

    void send(ControlMessage m) {
        channel.writeAndFlush(new BinaryWebSocketFrame(ControlCodec.encode(m, channel.alloc())));
    }

    /** One video keyframe packet of stream 1 (a frame of its own). */
    void sendKeyframe() {
        ByteBuf b = Unpooled.buffer(MediaHeader.LENGTH + 100);
        MediaHeader.write(b, Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END,
                Protocol.KIND_VIDEO, 0, 1, sequence++, sequence * 3000);
        b.writeZero(100);
        channel.writeAndFlush(new BinaryWebSocketFrame(b));
    }

    /** The first control message of {@code type} the relay sent; fails if none comes within {@code limit}. */
    <T extends ControlMessage> T await(Class<T> type, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (controls) {
            while (true) {
                for (ControlMessage m : controls) {
                    if (type.isInstance(m)) {
                        return type.cast(m);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + type.getSimpleName() + " within " + limit.toMillis()
                            + " ms; received " + controls + (closed.isDone() ? " (closed)" : ""));
                }
                controls.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    List<ControlMessage> controls() {
        return List.copyOf(controls);
    }

    long mediaCount() {
        return media.get();
    }

    /** Whether the relay has closed the connection within {@code limit}. */
    boolean closedWithin(Duration limit) {
        try {
            closed.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2_000);
    }
}
