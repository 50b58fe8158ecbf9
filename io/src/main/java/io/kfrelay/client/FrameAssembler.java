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
 * only complete frames come out. A packet older than the one expected (a duplicate, or a datagram that arrived
 * late) is ignored: it does not spoil the frame being assembled.
 *
 * <p>Memory is bounded: a frame whose payload passes {@code maxFrameBytes}, or that is split into more than
 * {@value #MAX_FRAME_PACKETS} packets, is dropped as soon as it does (a publisher that sends FRAME_START and
 * never FRAME_END must not grow every receiver), and {@link #discard} releases the unfinished frame of a
 * stream that ended or a participant who left.
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

    /** Default largest frame payload: {@value} bytes (4 MiB), far above any keyframe a relay carries. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 << 20;
    /** Most packets one frame may have: each holds its received buffer, whatever its payload size. */
    public static final int MAX_FRAME_PACKETS = 1 << 16;

    private final ByteBufAllocator alloc;
    private final int maxFrameBytes;
    private final Handler handler;
    private final Map<Long, Partial> partials = new HashMap<>();
    private long framesCompleted;
    private long framesDropped;
    private long packetsDiscarded;

    /** With frames of up to {@link #DEFAULT_MAX_FRAME_BYTES}. */
    public FrameAssembler(ByteBufAllocator alloc, Handler handler) {
        this(alloc, DEFAULT_MAX_FRAME_BYTES, handler);
    }

    /** @param maxFrameBytes largest frame payload kept; a bigger frame is dropped */
    public FrameAssembler(ByteBufAllocator alloc, int maxFrameBytes, Handler handler) {
        if (maxFrameBytes < 1) {
            throw new IllegalArgumentException("maxFrameBytes must be positive, was " + maxFrameBytes);
        }
        this.alloc = alloc;
        this.maxFrameBytes = maxFrameBytes;
        this.handler = handler;
    }

    /** Feeds one packet; may call the handler with the frame this packet completes. */
    public void accept(MediaPacket p) {
        long key = key(p.senderId(), p.streamId());
        Partial partial = partials.get(key);
        if (partial != null && MediaHeader.seqDelta(partial.nextSequence, p.sequence()) < 0) {
            packetsDiscarded++; // a duplicate or a late one: its place in the frame was taken or given up
            return;
        }
        if (p.isFrameStart()) {
            if (partial != null) {
                drop(key, partial, 0); // the previous frame of this stream never reached its FRAME_END
            }
            partial = new Partial(p, alloc.compositeBuffer(Integer.MAX_VALUE));
            partials.put(key, partial);
        } else if (partial == null) {
            packetsDiscarded++; // its frame started before we saw it (or was already dropped)
            return;
        } else if (MediaHeader.seqDelta(partial.nextSequence, p.sequence()) != 0
                || p.timestamp() != partial.first.timestamp()) {
            drop(key, partial, 1);
            return;
        }
        if (partial.data.readableBytes() + p.payloadLength() > maxFrameBytes || partial.packets >= MAX_FRAME_PACKETS) {
            drop(key, partial, 1); // the rest of it will find no frame and be discarded too
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

    /**
     * Releases the unfinished frame of {@code streamId} (the stream ended: its FRAME_END will never come).
     * Counted as dropped.
     */
    public void discard(long senderId, int streamId) {
        long key = key(senderId, streamId);
        Partial partial = partials.get(key);
        if (partial != null) {
            drop(key, partial, 0);
        }
    }

    /** Releases every unfinished frame of {@code senderId} (the participant left). Counted as dropped. */
    public void discardSender(long senderId) {
        for (long key : partials.keySet().stream().filter(k -> k >>> 16 == senderId).toList()) {
            drop(key, partials.get(key), 0);
        }
    }

    /** Frames being assembled now (started, not yet ended). */
    public int framesInProgress() {
        return partials.size();
    }

    /** Payload bytes held by the frames being assembled. */
    public long bytesInProgress() {
        long bytes = 0;
        for (Partial p : partials.values()) {
            bytes += p.data.readableBytes();
        }
        return bytes;
    }

    public long framesCompleted() {
        return framesCompleted;
    }

    /** Frames that started but could not be completed (gap, missing FRAME_END, too big, discarded). */
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

    private static long key(long senderId, int streamId) {
        return (senderId << 16) | streamId;
    }

    /** Gives up the frame being assembled; {@code plus} more packets (the one that broke it) are discarded too. */
    private void drop(long key, Partial partial, int plus) {
        partials.remove(key);
        framesDropped++;
        packetsDiscarded += partial.packets + plus;
        partial.data.release();
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
