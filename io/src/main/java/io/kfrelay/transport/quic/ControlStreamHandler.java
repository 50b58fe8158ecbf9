package io.kfrelay.transport.quic;

import io.kfrelay.protocol.DecodeStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;

/**
 * The control stream of a QUIC connection: every message prefixed by its length as a u32 (docs/PROTOCOL.md §1),
 * each whole message handed to the connection's {@link QuicSessionHandler}. Its pipeline:
 * {@code length-prefix} (outbound), {@code length-frames} (inbound, refuses a length over the limit before
 * reading the message), {@code control}.
 */
final class ControlStreamHandler extends ChannelInboundHandlerAdapter {
    private final QuicSessionHandler session;
    private boolean refused;

    private ControlStreamHandler(QuicSessionHandler session) {
        this.session = session;
    }

    /** The stream handler for the codec: the first bidirectional stream of a connection is its control stream. */
    static ChannelHandler initializer(int maxMessageBytes) {
        return new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel stream) {
                QuicSessionHandler session = stream.parent().pipeline().get(QuicSessionHandler.class);
                if (session == null || stream.type() != QuicStreamType.BIDIRECTIONAL || !session.acceptStream(stream)) {
                    stream.close();
                    return;
                }
                stream.pipeline()
                        .addLast("length-prefix", new LengthFieldPrepender(4))
                        .addLast("length-frames", new LengthFieldBasedFrameDecoder(maxMessageBytes, 0, 4, 0, 4, true))
                        .addLast("control", new ControlStreamHandler(session));
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused || !(msg instanceof ByteBuf message)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        session.onControlMessage(message);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.onControlWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.onControlStreamEnded();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException && !refused) {
            refused = true; // the decoder discards the rest of that message; we ignore whatever follows
            session.onControlRejected(DecodeStatus.TOO_LARGE, "control message longer than the relay's limit");
            return;
        }
        ctx.close(); // a reset stream and the like: its end is the session's end (channelInactive)
    }
}
