package io.kfrelay.client;

import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;

/**
 * One received media packet. {@code payload} is a slice of the received message: no bytes were copied.
 * It is <b>borrowed</b> for the duration of {@link ClientListener#onMedia}: to keep it longer, take
 * {@code payload.retainedSlice()} (or {@code retain()} it) and release that later; never release the
 * payload itself.
 *
 * @param senderId  publisher's participant id (stamped by the relay)
 * @param streamId  publisher's stream id
 * @param kind      {@link Protocol#KIND_AUDIO} or {@link Protocol#KIND_VIDEO}
 * @param flags     {@link Protocol#FLAG_KEYFRAME}, {@code FLAG_FRAME_START}, {@code FLAG_FRAME_END}, {@code FLAG_REPLAY}
 * @param sequence  per-stream u32 sequence; compare with {@link io.kfrelay.protocol.MediaHeader#seqDelta}
 * @param timestamp u32 media timestamp (90 kHz video, 48 kHz audio)
 * @param packetBytes whole packet size, 20-byte header included
 */
public record MediaPacket(long senderId, int streamId, int kind, int flags, long sequence, long timestamp,
                          int packetBytes, ByteBuf payload) {

    public boolean isKeyframe() {
        return (flags & Protocol.FLAG_KEYFRAME) != 0;
    }

    public boolean isFrameStart() {
        return (flags & Protocol.FLAG_FRAME_START) != 0;
    }

    public boolean isFrameEnd() {
        return (flags & Protocol.FLAG_FRAME_END) != 0;
    }

    /** The relay replayed this packet from its keyframe cache (a late joiner's catch-up). */
    public boolean isReplay() {
        return (flags & Protocol.FLAG_REPLAY) != 0;
    }

    public boolean isVideo() {
        return kind == Protocol.KIND_VIDEO;
    }

    public int payloadLength() {
        return payload.readableBytes();
    }
}
