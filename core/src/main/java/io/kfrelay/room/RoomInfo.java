package io.kfrelay.room;

import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.CacheMiss;

import java.util.List;

/**
 * An immutable view of one room, taken on the shard consumer in ring order (for the admin API and tests).
 */
public record RoomInfo(String name, List<ParticipantInfo> participants) {

    /**
     * @param replaying     its replay is still running
     * @param catchUpBytes  live media queued behind that replay
     * @param autoSubscribe subscribed to every stream as it starts (false: it chooses, JOIN option)
     * @param sources       the simulcast sources it publishes
     * @param subscriptionCount what it receives: plain streams and simulcast sources, each once
     * @param subscriptions its simulcast source subscriptions, and (only if it chose them: not autoSubscribe) its
     *                      plain stream ones; an automatic one's plain subscriptions are every stream of the room, so
     *                      listing them would make a large room's view quadratic in its size
     */
    public record ParticipantInfo(int id, String identity, boolean replaying, long catchUpBytes,
                                  List<StreamInfo> streams, boolean autoSubscribe, List<SourceInfo> sources,
                                  int subscriptionCount, List<SubscriptionInfo> subscriptions) {
    }

    /**
     * @param sourceId    the source's id (its lowest layer's stream id)
     * @param streamIds   its layers' streams, lowest quality first
     * @param started     which layers are being published now
     * @param subscribers receivers subscribed to the source
     */
    public record SourceInfo(int sourceId, List<Integer> streamIds, List<Boolean> started, int subscribers) {
    }

    /**
     * One subscription of a receiver.
     *
     * @param publisherId   the publisher
     * @param streamId      the stream, or for a simulcast source its id
     * @param simulcast     a simulcast source (else a plain stream)
     * @param preference    the layer asked for: 0.., or {@link io.kfrelay.protocol.Protocol#LAYER_AUTO}
     * @param layer         the layer sent now (-1: none yet); 0 for a plain stream
     * @param layerStreamId the stream sent now (-1: none)
     * @param pendingLayer  the layer a switch waits for (-1: none)
     * @param waiting       nothing of it is sent until its next keyframe starts (or the receiver's replay ends)
     */
    public record SubscriptionInfo(long publisherId, int streamId, boolean simulcast, int preference, int layer,
                                   int layerStreamId, int pendingLayer, boolean waiting) {
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
