package io.kfrelay.cache;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.GopClose;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;

/**
 * The stream caches of one shard and what they share: the settings, the relay-wide segment allocator and budget,
 * the shard's eviction order and its counters. Makes every {@link StreamCache}; consumer thread only.
 */
public final class ShardCaches {
    final CacheSettings settings;
    final SegmentAllocator segments;
    final CacheEvictor evictor = new CacheEvictor();
    final EnumCounters<Stat> stats;
    final EnumCounters<KeyframeReject> rejects;
    final EnumCounters<GopClose> gopCloses;
    final EnumCounters<CacheMiss> misses;

    public ShardCaches(CacheSettings settings, SegmentAllocator segments, EnumCounters<Stat> stats,
                       EnumCounters<KeyframeReject> rejects, EnumCounters<GopClose> gopCloses,
                       EnumCounters<CacheMiss> misses) {
        this.settings = settings;
        this.segments = segments;
        this.stats = stats;
        this.rejects = rejects;
        this.gopCloses = gopCloses;
        this.misses = misses;
    }

    /** Shard {@code shard}'s caches, counted in {@code metrics}, over the relay's one allocator. */
    public static ShardCaches of(RelayConfig config, SegmentAllocator segments, RelayMetrics metrics, int shard) {
        return new ShardCaches(CacheSettings.of(config), segments, metrics.shardStats(shard),
                metrics.shardKeyframeRejects(shard), metrics.shardGopCloses(shard), metrics.shardCacheMisses(shard));
    }

    /** Caches on their own counters and allocator (unit tests and benchmarks of one cache). */
    public static ShardCaches standalone(CacheSettings settings, EnumCounters<Stat> stats, CacheBudget budget) {
        return new ShardCaches(settings, new SegmentAllocator(budget), stats, new EnumCounters<>(KeyframeReject.class),
                new EnumCounters<>(GopClose.class), new EnumCounters<>(CacheMiss.class));
    }

    /** The cache of one new video stream; {@link StreamCache#close()} gives everything back. */
    public StreamCache newCache(KeyframeListener listener) {
        return new StreamCache(this, listener);
    }

    public CacheSettings settings() {
        return settings;
    }

    public SegmentAllocator segments() {
        return segments;
    }

    public EnumCounters<KeyframeReject> rejects() {
        return rejects;
    }

    public EnumCounters<GopClose> gopCloses() {
        return gopCloses;
    }

    public EnumCounters<CacheMiss> misses() {
        return misses;
    }

    /** Streams with a cache on this shard. */
    public int size() {
        return evictor.size();
    }
}
