package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;

/**
 * An append-only, clearable sequence of whole packets held off-heap. Our own small interface in front of
 * Chronicle Bytes, so that the storage engine can be swapped if the JDK closes the door on Unsafe.
 * Single-threaded: only the owning shard consumer touches a store.
 */
public interface PacketStore extends AutoCloseable {

    /** Appends {@code length} bytes of {@code src} starting at {@code index} as one packet. No allocation. */
    void append(ByteBuf src, int index, int length);

    /** Number of packets held. */
    int packetCount();

    /** Bytes of packets held (the sum of their lengths; bookkeeping overhead excluded). */
    long bytes();

    /** Off-heap bytes reserved, bookkeeping included. */
    long capacity();

    /**
     * Copies every packet, in order, to the writer index of {@code dst} and records each packet's length in
     * {@code lengths} starting at {@code lengthsOffset}. Returns the number of packets copied.
     */
    int copyTo(ByteBuf dst, int[] lengths, int lengthsOffset);

    /** Forgets every packet, keeping the reserved memory for reuse. */
    void clear();

    /** Frees the memory. The store must not be used afterwards. */
    @Override
    void close();
}
