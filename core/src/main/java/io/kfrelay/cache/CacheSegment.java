package io.kfrelay.cache;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;

import java.nio.ByteBuffer;

/**
 * One fixed-size block of off-heap memory (Chronicle Bytes) holding whole packets back to back as records
 * {@code [u32 little-endian length][packet]}. This class and {@link SegmentAllocator} are the only code that
 * touches Chronicle: the JDK plans to deny {@code sun.misc.Unsafe}, on which Chronicle rests, so swapping the
 * engine must stay a change of one class.
 *
 * <p>Written only by its shard consumer, append-only. Readers (replay threads, through {@link SegmentView}) read
 * records the consumer wrote before it handed them their slice, so they never see a record being written. A
 * record that does not fit ends the segment with a zero length (when 4 bytes are left for it) and goes to
 * {@link #next}: a reader that meets a zero length or the end moves on.
 *
 * <p>Packets are stored with the REPLAY flag already set: the cached copy is only ever sent as a replay, so no
 * joiner has to stamp (or copy) it.
 */
final class CacheSegment {
    static final int RECORD_HEADER = 4;

    private final BytesStore<?, ByteBuffer> store;
    private final Bytes<ByteBuffer> bytes;
    private final ByteBuffer memory;
    private final int capacity;
    /** The segment that follows in its run; written before any reader can need it. */
    volatile CacheSegment next;
    private byte[] scratch;

    CacheSegment(int capacity) {
        this.capacity = capacity;
        this.store = BytesStore.elasticByteBuffer(capacity, capacity);
        @SuppressWarnings("unchecked")
        Bytes<ByteBuffer> writer = (Bytes<ByteBuffer>) (Bytes<?>) store.bytesForWrite();
        this.bytes = writer;
        // Owned by one consumer at a time; the hand-over between threads is ordered by the pool's queue.
        this.bytes.singleThreadedCheckDisabled(true);
        this.memory = store.underlyingObject();
    }

    int capacity() {
        return capacity;
    }

    /** Bytes written (records and their headers). */
    int written() {
        return (int) bytes.writePosition();
    }

    boolean fits(int length) {
        return written() + RECORD_HEADER + length <= capacity;
    }

    /** Marks the end of this segment's records for readers (when there is room for the mark). */
    void seal() {
        if (written() + RECORD_HEADER <= capacity) {
            bytes.writeInt(written(), 0);
        }
    }

    /**
     * Appends {@code length} bytes of {@code src} at {@code index} as one record, with REPLAY set in its header.
     * The caller checked {@link #fits}. No allocation (direct sources are copied by address).
     */
    void append(ByteBuf src, int index, int length) {
        long at = bytes.writePosition();
        bytes.writeInt(length);
        long packetAt = at + RECORD_HEADER;
        if (src.hasMemoryAddress()) {
            bytes.nativeWrite(src.memoryAddress() + index, packetAt, length);
            bytes.writeSkip(length);
        } else {
            byte[] tmp = scratch(length);
            src.getBytes(index, tmp, 0, length);
            bytes.write(tmp, 0, length);
        }
        long flagsAt = packetAt + MediaHeader.FLAGS_OFFSET;
        bytes.writeByte(flagsAt, (byte) (bytes.readByte(flagsAt) | Protocol.FLAG_REPLAY));
    }

    /** Forgets every record (the segment is about to be reused or pooled). */
    void clear() {
        bytes.clear();
        next = null;
    }

    /** A new reference-counted view of this segment's memory; see {@link SegmentView}. */
    ByteBuf view(PacketRun owner) {
        return SegmentView.of(memory.duplicate().clear(), capacity, owner);
    }

    /** Frees the memory; the segment must not be used afterwards. */
    void free() {
        bytes.releaseLast();
        store.releaseLast();
    }

    private byte[] scratch(int length) {
        if (scratch == null || scratch.length < length) {
            // Heap sources are rare (tests); grows to the largest packet seen, then never again.
            scratch = new byte[Math.max(length, 2048)];
        }
        return scratch;
    }
}
