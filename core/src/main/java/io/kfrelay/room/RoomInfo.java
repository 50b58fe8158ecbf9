package io.kfrelay.room;

import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.CacheMiss;

import java.util.List;

/**
 * An immutable view of one room, taken on the shard consumer in ring order (for the admin API and tests).
 */
public record RoomInfo(String name, List<ParticipantInfo> participants) {

    /**
     * @param replaying   its replay is still running
     * @param catchUpBytes live media queued behind that replay
     */
    public record ParticipantInfo(int id, String identity, boolean replaying, long catchUpBytes,
                                  List<StreamInfo> streams) {
    }

    /**
     * @param subscribers    receivers subscribed to the stream
     * @param cacheBytes     packets held by the stream's cache (0 for audio)
     * @param cacheCapacity  cache memory the stream holds (segments), at least cacheBytes
     * @param cachedPackets  packets of the complete cached keyframe (or GOP)
     * @param hasKeyframe    a complete keyframe is cached
     * @param assembling     a keyframe is being assembled
     * @param cacheMode      what the stream's cache keeps; null for audio (never cached)
     * @param cacheAgeNanos  how long ago the cached keyframe was promoted, on the relay's clock; -1 when none is
     * @param lastMiss       the last time part of a picture did not fit the cache; null when never
     */
    public record StreamInfo(int streamId, int kind, int subscribers, long cacheBytes, long cacheCapacity,
                             int cachedPackets, boolean hasKeyframe, boolean assembling, CacheMode cacheMode,
                             long cacheAgeNanos, CacheMissInfo lastMiss) {
    }

    /**
     * @param reason why
     * @param bytes  the size that did not fit (the GOP's age in nanoseconds for {@link CacheMiss#GOP_TOO_OLD})
     * @param limit  the limit it met, in the same unit; {@link CacheMiss#option()} names the option raising it
     */
    public record CacheMissInfo(CacheMiss reason, long bytes, long limit) {
    }
}
