package io.kfrelay.metrics;

import io.kfrelay.protocol.DecodeStatus;

import java.util.List;

/**
 * Every number the relay core keeps. Shard-owned counters are single-writer; drops and decode rejects are
 * shared (I/O threads count ring-full drops and malformed input). Readers sum over shards.
 */
public final class RelayMetrics {
    private final List<EnumCounters<Stat>> shardStats;
    private final List<EnumCounters<KeyframeReject>> shardRejects;
    private final EnumCounters<DropReason> drops = new EnumCounters<>(DropReason.class);
    private final EnumCounters<DecodeStatus> decodeRejects = new EnumCounters<>(DecodeStatus.class);
    /** How long each completed replay took, from its first packet to its hand-over (one record per replay). */
    private final Histogram replayDurations = Histogram.latency();

    public RelayMetrics(int shards) {
        this.shardStats = java.util.stream.IntStream.range(0, shards)
                .mapToObj(i -> new EnumCounters<>(Stat.class)).toList();
        this.shardRejects = java.util.stream.IntStream.range(0, shards)
                .mapToObj(i -> new EnumCounters<>(KeyframeReject.class)).toList();
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

    public EnumCounters<DecodeStatus> decodeRejects() {
        return decodeRejects;
    }

    public Histogram replayDurations() {
        return replayDurations;
    }

    public int shardCount() {
        return shardStats.size();
    }

    /** Sum of a stat over every shard. */
    public long stat(Stat stat) {
        long sum = 0;
        for (EnumCounters<Stat> s : shardStats) {
            sum += s.get(stat);
        }
        return sum;
    }

    public long keyframeRejects(KeyframeReject reason) {
        long sum = 0;
        for (EnumCounters<KeyframeReject> s : shardRejects) {
            sum += s.get(reason);
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
