package io.kfrelay.transport.ws;

import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.transport.TransportMetrics;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Turns WebSocket frames into protocol messages: each final binary frame passes on as its content
 * {@code ByteBuf} (frame and content share one reference, so ownership passes with it). WebSocket pings,
 * pongs and close frames are answered here. Text frames, fragmented messages and oversized frames are
 * refused with a {@link Rejection} for the session handler (an ERROR, then a close); other WebSocket-level
 * violations get a close frame naming them. After a refusal, everything else the peer sends is discarded.
 */
final class WsFrameHandler extends ChannelInboundHandlerAdapter {
    /** A close frame's reason must fit a control frame (125 bytes, 2 of them for the status). */
    private static final int MAX_CLOSE_REASON_CHARS = 100;

    private final int maxFrameBytes;
    private final TransportMetrics metrics;
    private boolean refused;

    WsFrameHandler(int maxFrameBytes, TransportMetrics metrics) {
        this.maxFrameBytes = maxFrameBytes;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (refused) {
            frame.release();
            return;
        }
        switch (frame) {
            case BinaryWebSocketFrame f when f.isFinalFragment() -> ctx.fireChannelRead(f.content());
            case BinaryWebSocketFrame f -> fragmented(ctx, f);
            case ContinuationWebSocketFrame f -> fragmented(ctx, f);
            case TextWebSocketFrame f -> {
                f.release();
                refuse(ctx, Counter.TEXT_FRAMES, DecodeStatus.UNKNOWN_TYPE,
                        "text frames are not part of the kfrelay protocol: send every message as one binary frame");
            }
            case PingWebSocketFrame f -> {
                // Skipped while unwritable: a peer that pings without reading must not grow our buffers.
                if (ctx.channel().isWritable()) {
                    ctx.writeAndFlush(new PongWebSocketFrame(f.content()));
                } else {
                    f.release();
                }
            }
            case CloseWebSocketFrame f -> ctx.writeAndFlush(f).addListener(ChannelFutureListener.CLOSE); // echo, then close
            default -> frame.release(); // pongs and anything else carry nothing for us
        }
    }

    private void fragmented(ChannelHandlerContext ctx, WebSocketFrame f) {
        f.release();
        refuse(ctx, Counter.FRAGMENTED_FRAMES, DecodeStatus.BAD_LENGTH,
                "a message was split over several WebSocket frames: send every message as one binary frame");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof CorruptedWebSocketFrameException e)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        // The decoder has stopped: it discards everything after this point.
        if (e.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
            refuse(ctx, Counter.OVERSIZED_FRAMES, DecodeStatus.TOO_LARGE,
                    "frame larger than " + maxFrameBytes + " bytes, the relay's limit");
        } else if (!refused) {
            refused = true;
            metrics.increment(Counter.WEBSOCKET_ERRORS);
            String reason = String.valueOf(e.getMessage());
            reason = reason.length() > MAX_CLOSE_REASON_CHARS ? reason.substring(0, MAX_CLOSE_REASON_CHARS) : reason;
            ctx.writeAndFlush(new CloseWebSocketFrame(e.closeStatus(), reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, Counter counter, DecodeStatus status, String reason) {
        if (refused) {
            return;
        }
        refused = true;
        metrics.increment(counter);
        ctx.fireUserEventTriggered(new Rejection(status.code(), reason));
    }
}
