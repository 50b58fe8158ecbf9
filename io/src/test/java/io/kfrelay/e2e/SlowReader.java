package io.kfrelay.e2e;

import io.kfrelay.client.MediaPacket;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.MessageType;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
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
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket participant on a slow link, made in the test: it reads at most {@code chunkBytes} from its socket every
 * {@code periodMillis} (a small receive buffer, auto-read off, one fixed-size read per tick), so the relay meets a
 * receiver that drains at a known, low rate over a real socket and its real egress queue. Media headers go to a
 * {@link Received}.
 */
final class SlowReader implements AutoCloseable {
    private static final MultiThreadIoEventLoopGroup LOOP =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("slow-reader", true), NioIoHandler.newFactory());

    private final Channel channel;
    private final ScheduledFuture<?> ticker;
    private final CompletableFuture<ControlMessage.Joined> joined = new CompletableFuture<>();

    private SlowReader(Channel channel, int periodMillis) {
        this.channel = channel;
        this.ticker = channel.eventLoop().scheduleAtFixedRate(channel::read, periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
    }

    /** Connects, upgrades and joins {@code room}; reads {@code chunkBytes} per {@code periodMillis} from the start. */
    static SlowReader join(int port, String room, String identity, int chunkBytes, int periodMillis, Received into)
            throws Exception {
        URI uri = new URI("ws://127.0.0.1:" + port + "/kfrelay");
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                null, false, EmptyHttpHeaders.INSTANCE, 1 << 20);
        CompletableFuture<Void> upgraded = new CompletableFuture<>();
        CompletableFuture<SlowReader> self = new CompletableFuture<>();
        MediaHeader header = new MediaHeader();
        Channel ch = new Bootstrap().group(LOOP).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, chunkBytes * 2)
                .option(ChannelOption.MAX_MESSAGES_PER_READ, 1)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(chunkBytes))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        handshaker.handshake(ctx.channel());
                                        ctx.read();
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                        if (!handshaker.isHandshakeComplete()) {
                                            handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                                            upgraded.complete(null);
                                            return;
                                        }
                                        if (!(msg instanceof BinaryWebSocketFrame f)) {
                                            return;
                                        }
                                        if (ControlCodec.peekType(f.content()) == MessageType.MEDIA) {
                                            if (header.wrap(f.content()) == DecodeStatus.OK) {
                                                into.onMedia(new MediaPacket(header.senderId(), header.streamId(),
                                                        header.kind(), header.flags(), header.sequence(),
                                                        header.timestamp(), header.frameLength(),
                                                        f.content().slice(header.payloadOffset(), header.payloadLength())));
                                            }
                                        } else if (ControlCodec.decode(f.content())
                                                instanceof ControlCodec.Decoded.Ok(ControlMessage.Joined j)) {
                                            self.join().joined.complete(j);
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        upgraded.completeExceptionally(new IllegalStateException("closed"));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        into.onError(cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        SlowReader reader = new SlowReader(ch, periodMillis);
        self.complete(reader);
        upgraded.get(5, TimeUnit.SECONDS);
        ch.writeAndFlush(new BinaryWebSocketFrame(ControlCodec.encode(new ControlMessage.Join(room, identity, ""),
                ch.alloc())));
        reader.joined.get(10, TimeUnit.SECONDS);
        return reader;
    }

    long participantId() {
        return joined.join().participantId();
    }

    @Override
    public void close() {
        ticker.cancel(false);
        channel.close().awaitUninterruptibly(5_000);
    }
}
