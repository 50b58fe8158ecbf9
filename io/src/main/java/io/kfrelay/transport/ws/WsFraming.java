package io.kfrelay.transport.ws;

import io.kfrelay.transport.EgressFraming;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * {@code --ws-framing frames}: one {@link BinaryWebSocketFrame} per message, which Netty's frame encoder turns into
 * a freshly allocated header buffer (payloads up to 1 KiB are copied into it) plus the payload. Stateless: one
 * instance serves every connection. Goodbye is a normal close frame: why the relay ends a session travels
 * in-band, in the ERROR before it.
 */
final class WsFraming implements EgressFraming {
    static final WsFraming INSTANCE = new WsFraming();

    private WsFraming() {
    }

    @Override
    public void write(Channel channel, ByteBuf message) {
        channel.write(new BinaryWebSocketFrame(message), channel.voidPromise());
    }

    @Override
    public void goodbye(Channel channel) {
        closeFrame(channel);
    }

    /** The close frame goes through Netty's encoder whatever the framing: it is once per connection. */
    static void closeFrame(Channel channel) {
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
