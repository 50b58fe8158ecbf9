package io.kfrelay.transport.ws;

import io.kfrelay.transport.EgressFraming;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * One protocol message per binary frame. The frame object is a small allocation per message (its content is
 * the pooled buffer itself); writing header bytes ourselves would avoid it if profiles ever show it.
 * Goodbye is a normal close frame: why the relay ends a session travels in-band, in the ERROR before it.
 */
final class WsFraming implements EgressFraming {
    static final WsFraming INSTANCE = new WsFraming();

    private WsFraming() {
    }

    @Override
    public Object frame(ByteBuf message) {
        return new BinaryWebSocketFrame(message);
    }

    @Override
    public void goodbye(Channel channel) {
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
