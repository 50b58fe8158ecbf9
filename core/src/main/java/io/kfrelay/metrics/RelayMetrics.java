package io.kfrelay.metrics;

import io.kfrelay.protocol.LayerCause;

import io.kfrelay.protocol.DecodeStatus;

import java.util.List;

/**
 * Every number the relay core keeps. Shard-owned counters are single-writer; drops and decode rejects are
 * shared (I/O threads count ring-full drops and malformed input). Readers sum over shards.
 */
public final class RelayMetrics {
    private final List<EnumCounters<Stat>> shardStats;
    private final List<EnumCounters<KeyframeReject>> shardRejects;
    private final List<EnumCounters<GopClose>> shardGopCloses;
    private final List<EnumCounters<CacheMiss>> shardCacheMisses;
    private final List<EnumCounters<LayerCause>> shardLayerSwitches;
    private final EnumCounters<DropReason> drops = new EnumCounters<>(DropReason.class);
    private final EnumCounters<DecodeStatus> decodeRejects = new EnumCounters<>(DecodeStatus.class);
    private final EnumCounters<ClientRequest> clientRequests = new EnumCounters<>(ClientRequest.class);
    /** How long each completed replay took, from its first packet to its hand-over (one record per replay). */
    private final Histogram replayDurations = Histogram.latency();
    /** JOIN to live on a video stream already published, per late joiner (one record per join, on its shard). */
    private final Histogram lateJoins = Histogram.lateJoin();
    /**
     * Ring hop plus fan-out of one sampled media packet in {@link #RELAY_LATENCY_SAMPLE_EVERY}: from the I/O thread
     * putting it into its shard's ring to the shard having handed it to every receiver's transport.
     */
    private final Histogram relayLatency = Histogram.relayLatency();
    /** One media packet in this many (by ring sequence) is timed for {@link #relayLatency()}; a power of two. */
    public static final int RELAY_LATENCY_SAMPLE_EVERY = 64;

    public RelayMetrics(int shards) {
        this.shardStats = perShard(shards, Stat.class);
        this.shardRejects = perShard(shards, KeyframeReject.class);
        this.shardGopCloses = perShard(shards, GopClose.class);
        this.shardCacheMisses = perShard(shards, CacheMiss.class);
        this.shardLayerSwitches = perShard(shards, LayerCause.class);
    }

    /** Layer switches of simulcast receivers, by cause. */
    public EnumCounters<LayerCause> shardLayerSwitches(int shard) {
        return shardLayerSwitches.get(shard);
    }

    public long layerSwitches(LayerCause cause) {
        return sum(shardLayerSwitches, cause);
    }

    private static <E extends Enum<E>> List<EnumCounters<E>> perShard(int shards, Class<E> type) {
        return java.util.stream.IntStream.range(0, shards).mapToObj(i -> new EnumCounters<>(type)).toList();
    }

    public EnumCounters<GopClose> shardGopCloses(int shard) {
        return shardGopCloses.get(shard);
    }

    public EnumCounters<CacheMiss> shardCacheMisses(int shard) {
        return shardCacheMisses.get(shard);
    }

    public EnumCounters<Stat> shardStats(int shard) {
        return shardStats.get(shard);
    }

    public EnumCounters<KeyframeReject> shardKeyframeRejects(int shard) {
        return shardRejects.get(shard);
    }

    public EnumCounters<DropReason> drops() {
        return drops;
    }

    /** Shared: written by I/O threads. */
    public EnumCounters<ClientRequest> clientRequests() {
        return clientRequests;
    }

    public EnumCounters<DecodeStatus> decodeRejects() {
        return decodeRejects;
    }

    public Histogram replayDurations() {
        return replayDurations;
    }

    public Histogram lateJoins() {
        return lateJoins;
    }

    public Histogram relayLatency() {
        return relayLatency;
    }

    public int shardCount() {
        return shardStats.size();
    }

    /** Sum of a stat over every shard. */
    public long stat(Stat stat) {
        return sum(shardStats, stat);
    }

    public long keyframeRejects(KeyframeReject reason) {
        return sum(shardRejects, reason);
    }

    public long gopCloses(GopClose reason) {
        return sum(shardGopCloses, reason);
    }

    public long cacheMisses(CacheMiss reason) {
        return sum(shardCacheMisses, reason);
    }

    private static <E extends Enum<E>> long sum(List<EnumCounters<E>> perShard, E key) {
        long sum = 0;
        for (EnumCounters<E> s : perShard) {
            sum += s.get(key);
        }
        return sum;
    }

    public long drops(DropReason reason) {
        return drops.get(reason);
    }

    public long decodeRejects(DecodeStatus status) {
        return decodeRejects.get(status);
    }
}
