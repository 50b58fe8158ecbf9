package io.kfrelay.client;

import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.util.HashMap;
import java.util.Map;

/**
 * Reassembles received packets into whole frames, per (sender, stream): a frame is a FRAME_START packet,
 * then packets with consecutive sequence numbers and the same timestamp, up to the FRAME_END packet.
 * Anything else (a gap, a frame that never ends, packets whose start was missed) is dropped and counted:
 * only complete frames come out.
 *
 * <p>Not thread-safe: feed it from one thread, typically straight from {@link ClientListener#onMedia}.
 * The payloads are not copied: a frame's data is a composite of retained slices of the received packets.
 */
public final class FrameAssembler implements AutoCloseable {

    /**
     * One complete frame. {@code data} is borrowed for the duration of {@link Handler#onFrame}: retain it
     * to keep it.
     *
     * @param replay the frame was replayed from the relay's cache (its first packet carried REPLAY)
     */
    public record Frame(long senderId, int streamId, int kind, boolean keyframe, boolean replay, long timestamp,
                        long firstSequence, int packets, ByteBuf data) {
    }

    @FunctionalInterface
    public interface Handler {
        void onFrame(Frame frame);
    }

    private final ByteBufAllocator alloc;
    private final Handler handler;
    private final Map<Long, Partial> partials = new HashMap<>();
    private long framesCompleted;
    private long framesDropped;
    private long packetsDiscarded;

    public FrameAssembler(ByteBufAllocator alloc, Handler handler) {
        this.alloc = alloc;
        this.handler = handler;
    }

    /** Feeds one packet; may call the handler with the frame this packet completes. */
    public void accept(MediaPacket p) {
        long key = (p.senderId() << 16) | p.streamId();
        Partial partial = partials.get(key);
        if (p.isFrameStart()) {
            if (partial != null) {
                // The previous frame of this stream never reached its FRAME_END.
                framesDropped++;
                packetsDiscarded += partial.packets;
                partial.data.release();
            }
            partial = new Partial(p, alloc.compositeBuffer(Integer.MAX_VALUE));
            partials.put(key, partial);
        } else if (partial == null) {
            packetsDiscarded++; // its frame started before we saw it (or was already dropped)
            return;
        } else if (MediaHeader.seqDelta(partial.nextSequence, p.sequence()) != 0
                || p.timestamp() != partial.first.timestamp()) {
            framesDropped++;
            packetsDiscarded += partial.packets + 1;
            partial.data.release();
            partials.remove(key);
            return;
        }
        partial.append(p);
        if (p.isFrameEnd()) {
            partials.remove(key);
            framesCompleted++;
            MediaPacket first = partial.first;
            try {
                handler.onFrame(new Frame(first.senderId(), first.streamId(), first.kind(), first.isKeyframe(),
                        first.isReplay(), first.timestamp(), first.sequence(), partial.packets, partial.data));
            } finally {
                partial.data.release();
            }
        }
    }

    public long framesCompleted() {
        return framesCompleted;
    }

    /** Frames that started but could not be completed (gap, missing FRAME_END). */
    public long framesDropped() {
        return framesDropped;
    }

    /** Packets that ended up in no frame. */
    public long packetsDiscarded() {
        return packetsDiscarded;
    }

    /** Releases the frames still being assembled. */
    @Override
    public void close() {
        for (Partial p : partials.values()) {
            p.data.release();
        }
        partials.clear();
    }

    private static final class Partial {
        final MediaPacket first;
        final CompositeByteBuf data;
        long nextSequence;
        int packets;

        Partial(MediaPacket first, CompositeByteBuf data) {
            // Keep the header fields only: the first packet's payload is borrowed and must not be kept.
            this.first = new MediaPacket(first.senderId(), first.streamId(), first.kind(), first.flags(),
                    first.sequence(), first.timestamp(), first.packetBytes(), Unpooled.EMPTY_BUFFER);
            this.data = data;
            this.nextSequence = first.sequence();
        }

        void append(MediaPacket p) {
            if (p.payloadLength() > 0) {
                data.addComponent(true, p.payload().retainedSlice());
            }
            packets++;
            nextSequence = (p.sequence() + 1) & 0xFFFF_FFFFL;
        }
    }
}
