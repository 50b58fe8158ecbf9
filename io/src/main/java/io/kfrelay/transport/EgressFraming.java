package io.kfrelay.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * How a transport puts protocol messages on its channel: the one thing a {@link ChannelSink} cannot know. One drain
 * is a run of {@link #write} calls closed by one {@link #flush}, all on the channel's event loop; a framing may keep
 * per-drain state between them (so an instance may belong to one connection, see the implementation).
 */
public interface EgressFraming {

    /** Writes one protocol message, framed, without flushing; ownership of {@code message} passes. Event loop only. */
    void write(Channel channel, ByteBuf message);

    /** End of a drain: everything written goes out. Event loop only. */
    default void flush(Channel channel) {
        channel.flush();
    }

    /** Ends the connection once everything is written (e.g. a WebSocket close frame, then close). Event loop only. */
    void goodbye(Channel channel);

    /** Messages as they are, then a plain close: for transports that frame in the pipeline, and for tests. */
    EgressFraming RAW = new EgressFraming() {
        @Override
        public void write(Channel channel, ByteBuf message) {
            channel.write(message, channel.voidPromise());
        }

        @Override
        public void goodbye(Channel channel) {
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    };
}
