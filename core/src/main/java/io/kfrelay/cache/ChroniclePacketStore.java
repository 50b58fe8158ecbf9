package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;
import net.openhft.chronicle.bytes.Bytes;

/**
 * {@link PacketStore} over an elastic native Chronicle Bytes buffer. Records are {@code [u32 length][bytes]}.
 * Copies use raw addresses when the Netty buffer exposes one (direct buffers), else a reused scratch array,
 * so appending never allocates on the heap.
 */
public final class ChroniclePacketStore implements PacketStore {
    private static final int RECORD_HEADER = 4;
    /** Start small: most streams are audio-free video with keyframes of tens of KB; the buffer grows once. */
    private static final int INITIAL_CAPACITY = 16 * 1024;

    private final Bytes<Void> bytes;
    private byte[] scratch = new byte[0];
    private int packets;
    private long packetBytes;

    public ChroniclePacketStore(int maxBytes) {
        long initial = Math.min(INITIAL_CAPACITY, Math.max(1024, maxBytes));
        this.bytes = Bytes.allocateElasticDirect(initial);
        // Owned by one consumer thread at a time; its hand-over between threads is ordered by the ring.
        this.bytes.singleThreadedCheckDisabled(true);
    }

    @Override
    public void append(ByteBuf src, int index, int length) {
        long pos = bytes.writePosition();
        bytes.ensureCapacity(pos + RECORD_HEADER + length);
        bytes.writeInt(length);
        if (src.hasMemoryAddress()) {
            bytes.nativeWrite(src.memoryAddress() + index, pos + RECORD_HEADER, length);
            bytes.writeSkip(length);
        } else {
            byte[] tmp = scratch(length);
            src.getBytes(index, tmp, 0, length);
            bytes.write(tmp, 0, length);
        }
        packets++;
        packetBytes += length;
    }

    @Override
    public int packetCount() {
        return packets;
    }

    @Override
    public long bytes() {
        return packetBytes;
    }

    @Override
    public long capacity() {
        return bytes.realCapacity();
    }

    @Override
    public int copyTo(ByteBuf dst, int[] lengths, int lengthsOffset) {
        long pos = 0;
        long end = bytes.writePosition();
        int n = 0;
        while (pos < end) {
            int length = bytes.readInt(pos);
            pos += RECORD_HEADER;
            dst.ensureWritable(length);
            int at = dst.writerIndex();
            if (dst.hasMemoryAddress()) {
                bytes.nativeRead(pos, dst.memoryAddress() + at, length);
            } else {
                byte[] tmp = scratch(length);
                bytes.read(pos, tmp, 0, length);
                dst.setBytes(at, tmp, 0, length);
            }
            dst.writerIndex(at + length);
            lengths[lengthsOffset + n++] = length;
            pos += length;
        }
        return n;
    }

    @Override
    public void clear() {
        bytes.clear();
        packets = 0;
        packetBytes = 0;
    }

    @Override
    public void close() {
        clear();
        bytes.releaseLast();
    }

    private byte[] scratch(int length) {
        if (scratch.length < length) {
            // Grows to the largest packet seen, then never again.
            scratch = new byte[Math.max(length, 2048)];
        }
        return scratch;
    }
}
