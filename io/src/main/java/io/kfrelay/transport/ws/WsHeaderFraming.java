package io.kfrelay.transport.ws;

import io.kfrelay.transport.EgressFraming;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * {@code --ws-framing headers}: the relay writes each message's frame header itself (unmasked server frames,
 * {@link WsFrameHeader}) instead of handing Netty a frame object per message. One drain's headers go into one
 * pooled slab, each written as a retained slice of it followed by the message, so a drain is one gather write with
 * no per-message allocation, frame object or encoder pass. Netty's frame encoder passes plain {@code ByteBuf}s on
 * untouched (it only takes {@code WebSocketFrame}s), so the close frame and the frame handler's pongs still go
 * through it, in order with the rest.
 *
 * <p>One instance per connection: the slab is per-drain state. Event loop only, like every framing call.
 */
final class WsHeaderFraming implements EgressFraming {
    /** Room for 128 media headers (4 bytes each below 64 KiB): most drains need one slab. */
    static final int SLAB_BYTES = 512;

    // The current drain's slab; this framing holds one reference until the drain ends, each header slice one more.
    private ByteBuf slab;

    @Override
    public void write(Channel channel, ByteBuf message) {
        int length = message.readableBytes();
        ByteBuf s = slab;
        if (s == null || s.writableBytes() < WsFrameHeader.MAX_BYTES) {
            if (s != null) {
                s.release(); // its slices keep it until they are written
            }
            s = slab = channel.alloc().ioBuffer(SLAB_BYTES);
        }
        int at = s.writerIndex();
        WsFrameHeader.write(s, length);
        channel.write(s.retainedSlice(at, s.writerIndex() - at), channel.voidPromise());
        channel.write(message, channel.voidPromise());
    }

    @Override
    public void flush(Channel channel) {
        ByteBuf s = slab;
        if (s != null) {
            slab = null; // a new drain starts a new slab: nothing is kept between drains, nothing to release on close
            s.release();
        }
        channel.flush();
    }

    @Override
    public void goodbye(Channel channel) {
        WsFraming.closeFrame(channel);
    }
}
