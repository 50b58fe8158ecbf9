package io.kfrelay.room;

import io.kfrelay.config.CacheMode;

import java.util.List;

/**
 * An immutable view of one room, taken on the shard consumer in ring order (for the admin API and tests).
 */
public record RoomInfo(String name, List<ParticipantInfo> participants) {

    public record ParticipantInfo(int id, String identity, boolean replaying, List<StreamInfo> streams) {
    }

    /**
     * @param cacheBytes     packets held by the stream's cache (0 for audio)
     * @param cachedPackets  packets of the complete cached keyframe (or GOP)
     * @param hasKeyframe    a complete keyframe is cached
     * @param assembling     a keyframe is being assembled
     * @param cacheMode      what the stream's cache keeps; null for audio (never cached)
     * @param cacheAgeNanos  how long ago the cached keyframe was promoted, on the relay's clock; -1 when none is
     */
    public record StreamInfo(int streamId, int kind, long cacheBytes, int cachedPackets, boolean hasKeyframe,
                             boolean assembling, CacheMode cacheMode, long cacheAgeNanos) {
    }
}
