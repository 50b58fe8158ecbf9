package io.kfrelay.bench;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.cache.CacheSettings;
import io.kfrelay.cache.KeyframeListener;
import io.kfrelay.cache.RunSlice;
import io.kfrelay.cache.ShardCaches;
import io.kfrelay.cache.StreamCache;
import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The keyframe cache: per-packet update cost in both modes (a 30-packet GOP of 1200-byte packets whose first
 * 8 are the keyframe, so promotion is included at its real rate), promotion of a 200 KB keyframe, and what a
 * joiner's replay costs the consumer (slices of the cache, no copy).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class StreamCacheBenchmark extends BenchmarkDefaults {
    private static final int GOP = 30;
    private static final int KEYFRAME_PACKETS = 8;
    /** 200 KB in 1200-byte packets. */
    private static final int BIG_KEYFRAME_PACKETS = 171;

    @Param({"KEYFRAME", "GOP"})
    public CacheMode mode;

    private final MediaHeader header = new MediaHeader();
    private final EnumCounters<Stat> stats = new EnumCounters<>(Stat.class);
    private final List<RunSlice> slices = new java.util.ArrayList<>();
    private ShardCaches caches;
    private StreamCache cache;
    private StreamCache bigCache;
    private ByteBuf[] gop;
    private ByteBuf[] bigKeyframe;
    private long seq;
    private long now;

    @Setup
    public void setup() {
        caches = ShardCaches.standalone(new CacheSettings(mode, 256 * 1024, 2 * 1024 * 1024, TimeUnit.SECONDS.toNanos(5)),
                stats, new CacheBudget(256L * 1024 * 1024));
        cache = newCache();
        bigCache = newCache();
        gop = new ByteBuf[GOP];
        for (int i = 0; i < GOP; i++) {
            gop[i] = Packets.video(Packets.gopFlags(i, KEYFRAME_PACKETS), 1200);
        }
        bigKeyframe = new ByteBuf[BIG_KEYFRAME_PACKETS];
        for (int i = 0; i < BIG_KEYFRAME_PACKETS; i++) {
            bigKeyframe[i] = Packets.video(Packets.gopFlags(i, BIG_KEYFRAME_PACKETS), 1200);
        }
        promoteBigKeyframe(); // so replaySlices has a 200 KB keyframe to share
    }

    private StreamCache newCache() {
        return caches.newCache(KeyframeListener.NONE);
    }

    @TearDown
    public void tearDown() {
        cache.close();
        bigCache.close();
        caches.segments().close();
        for (ByteBuf b : gop) {
            b.release();
        }
        for (ByteBuf b : bigKeyframe) {
            b.release();
        }
    }

    /** One packet into the cache, averaged over a whole GOP (keyframe assembly, promotion, deltas). */
    @Benchmark
    @OperationsPerInvocation(GOP)
    public void updatePerPacket() {
        now += 33_000_000L;
        for (ByteBuf p : gop) {
            Packets.setSequence(p, seq++);
            header.wrap(p);
            cache.onPacket(header, now);
        }
    }

    /** Assembling and promoting one 200 KB keyframe (171 packets); the figure is per keyframe. */
    @Benchmark
    public void promote200KbKeyframe() {
        promoteBigKeyframe();
    }

    private void promoteBigKeyframe() {
        for (ByteBuf p : bigKeyframe) {
            Packets.setSequence(p, seq++);
            header.wrap(p);
            bigCache.onPacket(header, now);
        }
    }

    /**
     * What a joiner costs the consumer per stream: a slice of the cached 200 KB keyframe (a reference, no copy),
     * given back as the replay thread would.
     */
    @Benchmark
    public int replaySlices200Kb() {
        slices.clear();
        bigCache.replaySlices(slices);
        int packets = slices.getFirst().packetCount();
        slices.getFirst().close();
        return packets;
    }
}
