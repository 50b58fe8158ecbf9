package io.kfrelay.cache;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An append-only sequence of packets in a chain of {@link CacheSegment}s: one cached keyframe, or a GOP, or a
 * keyframe being assembled. The unit a stream's cache shares with replays, by reference count, instead of copying:
 * a JOIN takes a {@link RunSlice} (one increment), and the run's memory goes back to the allocator when the cache
 * has let go of it and the last replay that read it is done.
 *
 * <p>Threads: the owning shard consumer appends, clears and takes slices; any thread may release. A run only the
 * cache holds ({@link #isExclusive()}) is cleared and reused in place at the next keyframe, so a stream that nobody
 * joins costs no allocation.
 */
public final class PacketRun {
    private final SegmentAllocator allocator;
    private final AtomicInteger refs = new AtomicInteger(1);
    private CacheSegment head;
    private CacheSegment tail;
    private int packets;
    private long bytes;
    private long capacity;
    /** The cache let go while replays still held it: its capacity counts as replay-held until freed. */
    private boolean detached;

    PacketRun(SegmentAllocator allocator) {
        this.allocator = allocator;
    }

    /**
     * Appends one packet (REPLAY flag set in the copy). False, with nothing appended, when no memory could be had
     * under the budget. Consumer only; never allocates once the pool is warm.
     */
    boolean append(ByteBuf src, int index, int length) {
        if (tail == null || !tail.fits(length)) {
            CacheSegment s = allocator.acquire(length);
            if (s == null) {
                return false;
            }
            if (tail == null) {
                head = s;
            } else {
                tail.seal();
                tail.next = s;
            }
            tail = s;
            capacity += s.capacity();
        }
        tail.append(src, index, length);
        packets++;
        bytes += length;
        return true;
    }

    int packetCount() {
        return packets;
    }

    /** Bytes of the packets held (record headers and free space excluded). */
    long bytes() {
        return bytes;
    }

    /** Segment memory held. */
    long capacity() {
        return capacity;
    }

    /** Only the cache holds this run: nobody else can take a reference (only the consumer does), so it may be reused. */
    boolean isExclusive() {
        return refs.get() == 1;
    }

    /** Forgets every packet and gives the segments back; only for an exclusive run. */
    void clear() {
        freeSegments();
        head = null;
        tail = null;
        packets = 0;
        bytes = 0;
        capacity = 0;
    }

    /** The first {@link #packetCount()} packets as they are now, retained for one replay. Consumer only. */
    RunSlice slice() {
        refs.incrementAndGet();
        return new RunSlice(this, head, packets, bytes);
    }

    /**
     * The cache lets go of this run. If nobody else holds it, it is freed at once; otherwise its memory stays
     * (counted as replay-held) until the last reader releases it.
     */
    void releaseFromCache() {
        if (isExclusive()) {
            refs.set(0);
            freeSegments();
            return;
        }
        detached = true;
        allocator.budget().replayHeldChanged(capacity);
        release();
    }

    void retain() {
        refs.incrementAndGet();
    }

    /** Gives back one reference; the last one frees the segments. Any thread. */
    void release() {
        int left = refs.decrementAndGet();
        if (left == 0) {
            if (detached) {
                allocator.budget().replayHeldChanged(-capacity);
            }
            freeSegments();
        } else if (left < 0) {
            throw new IllegalStateException("run released more often than retained");
        }
    }

    private void freeSegments() {
        CacheSegment s = head;
        while (s != null) {
            CacheSegment next = s.next;
            allocator.free(s);
            s = next;
        }
    }
}
