package io.kfrelay.cache;

import io.netty.util.internal.PlatformDependent;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The one relay-wide memory budget of the keyframe caches. Everything the cache path holds is charged here:
 * cache segments (held by a stream's cache, by replays still reading an older keyframe or GOP, or pooled for
 * reuse) and the live packets queued behind joiners' replays. Shared by every shard, so its numbers are atomics;
 * it is touched once per segment (tens of kilobytes), and once per packet only for a joiner still catching up.
 *
 * <p>What happens when the budget is spent is decided by the callers: a keyframe may evict other streams' caches
 * on its shard ({@link CacheEvictor}), a GOP stops growing, a joiner that cannot take more queued packets skips
 * forward to a keyframe.
 */
public final class CacheBudget {
    /** The smallest budget accepted: a few segments per shard. */
    public static final long MIN_BYTES = 4L * 1024 * 1024;

    private final long limit;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong replayHeld = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();

    public CacheBudget(long limit) {
        if (limit < MIN_BYTES) {
            throw new IllegalArgumentException("cache-budget must be at least " + MIN_BYTES + " bytes, was " + limit);
        }
        this.limit = limit;
    }

    /**
     * The default budget: half of the JVM's maximum direct memory ({@code -XX:MaxDirectMemorySize}, which defaults
     * to the maximum heap size). Cache segments are direct buffers; the other half stays for the network buffers.
     */
    public static long defaultLimit() {
        return Math.max(MIN_BYTES, PlatformDependent.estimateMaxDirectMemory() / 2);
    }

    /** Takes {@code bytes} from the budget if they fit; false (nothing taken, refusal counted) otherwise. */
    public boolean tryReserve(long bytes) {
        long now;
        do {
            now = reserved.get();
            if (now + bytes > limit) {
                refusals.incrementAndGet();
                return false;
            }
        } while (!reserved.compareAndSet(now, now + bytes));
        return true;
    }

    /** Gives back bytes taken with {@link #tryReserve}. */
    public void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    /** Whether {@code bytes} more would fit now (a hint: another thread may take them first). */
    public boolean fits(long bytes) {
        return reserved.get() + bytes <= limit;
    }

    /** A live packet of {@code bytes} queued behind a joiner's replay, if the budget has room for it. */
    public boolean tryReserveQueued(long bytes) {
        if (!tryReserve(bytes)) {
            return false;
        }
        queued.addAndGet(bytes);
        return true;
    }

    /** Queued packets handed on or dropped. */
    public void releaseQueued(long bytes) {
        queued.addAndGet(-bytes);
        reserved.addAndGet(-bytes);
    }

    /** Segments that no cache holds any more but a replay still reads (counted in {@link #reserved()} too). */
    void replayHeldChanged(long delta) {
        replayHeld.addAndGet(delta);
    }

    public long limit() {
        return limit;
    }

    /** Bytes taken now: segments allocated (in caches, held by replays, pooled) and queued catch-up packets. */
    public long reserved() {
        return reserved.get();
    }

    public long replayHeld() {
        return replayHeld.get();
    }

    public long queued() {
        return queued.get();
    }

    /** Reservations refused because the budget was spent. */
    public long refusals() {
        return refusals.get();
    }
}
