package io.kfrelay.cache;

import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * What one joiner is replayed: a copy, taken in ring order at the JOIN, of every cached keyframe (or GOP)
 * and partial keyframe of the room, REPLAY-stamped. One pooled buffer holds all packets back to back; the
 * replay thread slices it, so the consumer can keep mutating the caches meanwhile.
 */
public final class ReplaySnapshot implements AutoCloseable {
    private final ByteBuf data;
    private final int[] lengths;
    private final int[] offsets;
    private final int count;

    private ReplaySnapshot(ByteBuf data, int[] lengths, int count) {
        this.data = data;
        this.lengths = lengths;
        this.count = count;
        this.offsets = new int[count];
        int at = 0;
        for (int i = 0; i < count; i++) {
            offsets[i] = at;
            at += lengths[i];
        }
    }

    /** Copies the replay packets of the given caches, in order, and stamps REPLAY on each. */
    public static ReplaySnapshot of(List<StreamCache> caches, ByteBufAllocator alloc, MediaHeader flyweight) {
        int packets = 0;
        long bytes = 0;
        for (StreamCache c : caches) {
            packets += c.replayPacketCount();
            bytes += c.replayBytes();
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("replay snapshot of " + bytes + " bytes is too large");
        }
        ByteBuf data = alloc.directBuffer((int) Math.max(1, bytes));
        int[] lengths = new int[packets];
        int n = 0;
        for (StreamCache c : caches) {
            n += c.copyReplayTo(data, lengths, n);
        }
        ReplaySnapshot snapshot = new ReplaySnapshot(data, lengths, n);
        for (int i = 0; i < n; i++) {
            flyweight.wrap(data, snapshot.offsets[i], lengths[i]);
            flyweight.stampReplay();
        }
        return snapshot;
    }

    public int packetCount() {
        return count;
    }

    public long bytes() {
        return data.writerIndex();
    }

    /** Packet {@code i} as a slice sharing the snapshot's memory (not retained). */
    public ByteBuf packet(int i) {
        return data.slice(offsets[i], lengths[i]);
    }

    public int length(int i) {
        return lengths[i];
    }

    @Override
    public void close() {
        data.release();
    }
}
