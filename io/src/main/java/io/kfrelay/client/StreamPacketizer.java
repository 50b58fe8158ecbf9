package io.kfrelay.client;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.function.Consumer;

/**
 * Splits the frames of one stream into media packets (docs/PROTOCOL.md §2, "Packetization"): each packet is at
 * most {@code maxPacketBytes} long, header included; the first carries FRAME_START, the last FRAME_END, every
 * packet of a keyframe carries KEYFRAME, and the u32 sequence grows by one per packet, wrapping.
 *
 * <p>Thread-safe: {@link #packetize} is synchronized, so packets of concurrent frames never interleave and
 * reach {@code out} in sequence order.
 */
public final class StreamPacketizer {
    private final int streamId;
    private final int kind;
    private final int maxPayload;
    private final ByteBufAllocator alloc;
    private long nextSequence;

    public StreamPacketizer(int streamId, int kind, int maxPacketBytes, long firstSequence, ByteBufAllocator alloc) {
        if (streamId < 0 || streamId > Protocol.MAX_STREAM_ID) {
            throw new IllegalArgumentException("stream id must be a u16 (0..65535), was " + streamId);
        }
        if (kind != Protocol.KIND_AUDIO && kind != Protocol.KIND_VIDEO) {
            throw new IllegalArgumentException("kind must be " + Protocol.KIND_AUDIO + " (audio) or "
                    + Protocol.KIND_VIDEO + " (video), was " + kind);
        }
        if (maxPacketBytes <= MediaHeader.LENGTH) {
            throw new IllegalArgumentException("maxPacketBytes must exceed the 20-byte header, was " + maxPacketBytes);
        }
        this.streamId = streamId;
        this.kind = kind;
        this.maxPayload = maxPacketBytes - MediaHeader.LENGTH;
        this.alloc = alloc;
        this.nextSequence = firstSequence & 0xFFFF_FFFFL;
    }

    public int kind() {
        return kind;
    }

    /**
     * Packetizes the readable bytes of {@code frame} (left untouched: neither read nor released) and hands
     * each new packet to {@code out}, which owns it. An empty frame is one header-only packet.
     *
     * @return the number of packets produced
     */
    public int packetize(boolean keyframe, ByteBuf frame, long timestamp, int senderId, Consumer<ByteBuf> out) {
        return packetize(keyframe, frame, timestamp, senderId, true, true, out);
    }

    /**
     * Packetizes one slice of a frame: like {@link #packetize(boolean, ByteBuf, long, int, Consumer)}, but
     * FRAME_START goes on the first packet only if the slice {@code startsFrame}, and FRAME_END on the last only
     * if it {@code endsFrame}. A frame sent in slices is the same packets as the frame sent whole when every
     * slice but the last is a multiple of the payload size.
     */
    public synchronized int packetize(boolean keyframe, ByteBuf frame, long timestamp, int senderId,
                                      boolean startsFrame, boolean endsFrame, Consumer<ByteBuf> out) {
        int length = frame.readableBytes();
        int at = frame.readerIndex();
        int packets = Math.max(1, (length + maxPayload - 1) / maxPayload);
        for (int i = 0; i < packets; i++) {
            int chunk = Math.min(maxPayload, length - i * maxPayload);
            int flags = (keyframe ? Protocol.FLAG_KEYFRAME : 0)
                    | (i == 0 && startsFrame ? Protocol.FLAG_FRAME_START : 0)
                    | (i == packets - 1 && endsFrame ? Protocol.FLAG_FRAME_END : 0);
            ByteBuf packet = alloc.buffer(MediaHeader.LENGTH + chunk);
            MediaHeader.write(packet, flags, kind, senderId, streamId, nextSequence, timestamp);
            packet.writeBytes(frame, at + i * maxPayload, chunk);
            nextSequence = (nextSequence + 1) & 0xFFFF_FFFFL;
            out.accept(packet);
        }
        return packets;
    }

    /** Sequence number the next packet will carry. */
    public synchronized long nextSequence() {
        return nextSequence;
    }
}
