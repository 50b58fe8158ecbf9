package io.kfrelay.cache;

import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

/**
 * Hands out {@link CacheSegment}s under the {@link CacheBudget}, relay-wide. Freed segments go to a small pool
 * (reused without touching the allocator or zeroing memory again); what the pool cannot hold is freed. Pooled
 * segments stay charged to the budget: they are memory the relay holds. Any thread may give segments back (the
 * last reader of a run may be a replay or an event loop); only shard consumers take them.
 */
public final class SegmentAllocator {
    /** Room for one 1080p keyframe in 16 segments; small enough that a short keyframe wastes little. */
    public static final int DEFAULT_SEGMENT_BYTES = 64 * 1024;
    private static final int POOL_SEGMENTS = 256;

    private final CacheBudget budget;
    private final int segmentBytes;
    private final ManyToManyConcurrentArrayQueue<CacheSegment> pool = new ManyToManyConcurrentArrayQueue<>(POOL_SEGMENTS);

    public SegmentAllocator(CacheBudget budget) {
        this(budget, DEFAULT_SEGMENT_BYTES);
    }

    public SegmentAllocator(CacheBudget budget, int segmentBytes) {
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segment size must be at least 1 KiB, was " + segmentBytes);
        }
        this.budget = budget;
        this.segmentBytes = segmentBytes;
    }

    public CacheBudget budget() {
        return budget;
    }

    int segmentBytes() {
        return segmentBytes;
    }

    /**
     * A cleared segment that holds at least one record of {@code packetLength} bytes, or null when the budget has
     * no room for it. A packet larger than the standard segment gets one of its own size (never pooled).
     */
    CacheSegment acquire(int packetLength) {
        int needed = packetLength + CacheSegment.RECORD_HEADER;
        if (needed <= segmentBytes) {
            CacheSegment pooled = pool.poll();
            if (pooled != null) {
                return pooled;
            }
        }
        int size = Math.max(segmentBytes, needed);
        if (!budget.tryReserve(size)) {
            // Pooled segments are the cheapest memory to give back (an oversized packet cannot use them).
            if (trimPool() == 0 || !budget.tryReserve(size)) {
                return null;
            }
        }
        try {
            return new CacheSegment(size);
        } catch (OutOfMemoryError e) {
            // Direct memory ran out below the budget (other users of it): behave as if the budget were spent.
            budget.release(size);
            return null;
        }
    }

    /** Whether {@link #acquire} would succeed now for a packet of {@code packetLength} bytes (a hint). */
    boolean canProvide(int packetLength) {
        int needed = packetLength + CacheSegment.RECORD_HEADER;
        return needed <= segmentBytes && !pool.isEmpty() || budget.fits(Math.max(segmentBytes, needed));
    }

    /** Takes back a segment no run uses any more. */
    void free(CacheSegment segment) {
        segment.clear();
        if (segment.capacity() != segmentBytes || !pool.offer(segment)) {
            segment.free();
            budget.release(segment.capacity());
        }
    }

    /** Frees every pooled segment (the budget is short: pooled memory is the first to give back); how many. */
    int trimPool() {
        int freed = 0;
        CacheSegment s;
        while ((s = pool.poll()) != null) {
            s.free();
            budget.release(s.capacity());
            freed++;
        }
        return freed;
    }

    /** Frees the pool at relay shutdown. */
    public void close() {
        trimPool();
    }

    /** Segments waiting in the pool (for tests and the gauges). */
    int pooled() {
        return pool.size();
    }
}
