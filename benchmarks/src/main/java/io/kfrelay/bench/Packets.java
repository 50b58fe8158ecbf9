package io.kfrelay.bench;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/** Packets for benchmarks: direct pooled buffers, as a Netty transport would hand them over. */
final class Packets {
    private Packets() {
    }

    static final int KEYFRAME_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
    static final int KEYFRAME_MIDDLE = Protocol.FLAG_KEYFRAME;
    static final int KEYFRAME_END = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END;
    static final int DELTA = Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;

    static ByteBuf video(int flags, int size) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(size);
        MediaHeader.write(b, flags, Protocol.KIND_VIDEO, 0, 1, 0, 0);
        return b.writeZero(size - MediaHeader.LENGTH);
    }

    /** Flags of packet {@code i} of a GOP whose first {@code keyframePackets} packets are its keyframe. */
    static int gopFlags(int i, int keyframePackets) {
        if (i >= keyframePackets) {
            return DELTA;
        }
        if (keyframePackets == 1) {
            return KEYFRAME_START | Protocol.FLAG_FRAME_END;
        }
        return i == 0 ? KEYFRAME_START : i == keyframePackets - 1 ? KEYFRAME_END : KEYFRAME_MIDDLE;
    }

    static void setSequence(ByteBuf packet, long seq) {
        packet.setInt(MediaHeader.SEQUENCE_OFFSET, (int) seq);
    }
}
