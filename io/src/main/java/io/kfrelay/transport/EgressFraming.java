package io.kfrelay.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/** How a transport puts protocol messages on its channel: the one thing a {@link ChannelSink} cannot know. */
public interface EgressFraming {

    /** Wraps one protocol message for {@code Channel.write}; ownership of {@code message} passes to the result. */
    Object frame(ByteBuf message);

    /** Ends the connection once everything is written (e.g. a WebSocket close frame, then close). Event loop only. */
    void goodbye(Channel channel);

    /** Messages as they are, then a plain close: for transports that frame in the pipeline, and for tests. */
    EgressFraming RAW = new EgressFraming() {
        @Override
        public Object frame(ByteBuf message) {
            return message;
        }

        @Override
        public void goodbye(Channel channel) {
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    };
}
