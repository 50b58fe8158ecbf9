package io.kfrelay.bench;

import io.kfrelay.cache.RunSlice;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.room.RoomState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one late joiner costs the shard thread, against the bytes cached in its room: a JOIN of a new participant
 * and its LEAVE, each followed by the end-of-batch flush, in a gop-mode room whose one publisher has a video
 * stream with a full cache of {@code cachedBytes}, and {@code receivers} other members.
 *
 * <p>Only the shard's side is measured. The replay launcher sends nothing: it frees the snapshot at once (that
 * free is in the figure; in the relay the replay thread pays it) and returns a job that never runs, so the LEAVE
 * cancels it as it would a replay still in flight. The sinks only consume what they are given.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class JoinCostBenchmark extends BenchmarkDefaults {
    private static final String ROOM = "room";
    private static final int PUBLISHER = 1;
    private static final int JOINER = 1_000_000;
    /** Packets of about this size, as a publisher's packetiser would send them. */
    private static final int PACKET_BYTES = 1200;
    /** The keyframe starts the cached GOP: about 200 KB, an ordinary 720p IDR (issue 12); smaller caches are all keyframe. */
    private static final int KEYFRAME_PACKETS = 171;
    /** Room for that keyframe; the GOP cap is raised to what each run caches. */
    private static final int KEYFRAME_CAP_BYTES = 1024 * 1024;

    /** 64 KiB, 1 MiB, 8 MiB: one keyframe, a short GOP, a long GOP at a high bitrate. */
    @Param({"65536", "1048576", "8388608"})
    public int cachedBytes;

    /** Members already in the room besides the publisher (each is told of the JOIN and the LEAVE). */
    @Param({"1", "100"})
    public int receivers;

    private RelayMetrics metrics;
    private RoomState room;
    private BlackholeSink joinerSink;

    @Setup
    public void setup(Blackhole bh) {
        RelayConfig config = RelayConfig.builder()
                .cacheMode(CacheMode.GOP)
                .keyframeCapBytes(KEYFRAME_CAP_BYTES)
                .gopCapBytes(Math.max(cachedBytes, KEYFRAME_CAP_BYTES))
                .gopMaxAge(Duration.ofHours(1)) // the GOP must not close by age while it is being filled
                .build();
        metrics = new RelayMetrics(1);
        room = newRoomState(config, metrics);
        joinerSink = new BlackholeSink(bh);
        for (int id = PUBLISHER; id <= PUBLISHER + receivers; id++) {
            room.join(id, ROOM, "p" + id, new BlackholeSink(bh));
        }
        room.flushDirty();
        int packets = publishGop();
        room.flushDirty();
        checkCache(packets);
        checkOneJoinCopiesTheCache();
    }

    /**
     * The one place that builds the shard's state, so a change of its constructor is a change here only: the
     * relay's allocator and caches, and a launcher that does no replay work on the measured thread (it gives the
     * slices back at once, as the replay thread would at its end).
     */
    private static RoomState newRoomState(RelayConfig config, RelayMetrics metrics) {
        return new RoomState(config, 0, metrics, System::nanoTime, PooledByteBufAllocator.DEFAULT,
                (id, sink, slices, queue) -> {
                    slices.forEach(RunSlice::close);
                    // Never started: it only stands for the replay in flight that the LEAVE cancels.
                    return new ReplayJob(sink, slices, queue, config.replayWindowBytes(), job -> { });
                });
    }

    /**
     * One keyframe and then deltas, exactly {@code cachedBytes} in all: packets of {@link #PACKET_BYTES} or a few
     * bytes less, so the total comes out even. Returns the packet count.
     */
    private int publishGop() {
        int packets = (cachedBytes + PACKET_BYTES - 1) / PACKET_BYTES;
        int keyframePackets = Math.min(packets, KEYFRAME_PACKETS);
        int base = cachedBytes / packets;
        int longer = cachedBytes % packets;
        for (int i = 0; i < packets; i++) {
            ByteBuf p = Packets.video(Packets.gopFlags(i, keyframePackets), base + (i < longer ? 1 : 0));
            Packets.setSequence(p, i);
            room.media(PUBLISHER, p); // takes ownership
        }
        return packets;
    }

    /** The cache must really hold the whole GOP, or the figures would be for a smaller cache than labelled. */
    private void checkCache(int packets) {
        RoomInfo info = room.room(ROOM);
        RoomInfo.StreamInfo stream = info.participants().stream()
                .filter(p -> p.id() == PUBLISHER)
                .flatMap(p -> p.streams().stream())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the publisher's stream is not in " + info));
        if (!stream.hasKeyframe() || stream.cacheBytes() != cachedBytes || stream.cachedPackets() != packets
                || stream.cacheMode() != CacheMode.GOP) {
            throw new IllegalStateException("expected a gop-mode cache of " + cachedBytes + " bytes in " + packets
                    + " packets, got " + stream);
        }
    }

    /** One JOIN must replay (so copy) the whole cache, not part of it or nothing. */
    private void checkOneJoinCopiesTheCache() {
        joinThenLeave();
        long replays = metrics.shardStats(0).get(Stat.REPLAYS);
        long replayBytes = metrics.shardStats(0).get(Stat.REPLAY_BYTES);
        if (replays != 1 || replayBytes != cachedBytes) {
            throw new IllegalStateException("a JOIN should start 1 replay of " + cachedBytes + " bytes, started "
                    + replays + " of " + replayBytes + " bytes");
        }
    }

    @TearDown
    public void tearDown() {
        // The publisher's leave ends its stream, which frees the cache.
        for (int id = PUBLISHER; id <= PUBLISHER + receivers; id++) {
            room.leave(id);
        }
        room.flushDirty();
    }

    /** A JOIN and its LEAVE as the shard thread runs them, each as its own ring batch (flush included). */
    @Benchmark
    public void joinThenLeave() {
        room.join(JOINER, ROOM, "joiner", joinerSink);
        room.flushDirty();
        room.leave(JOINER);
        room.flushDirty();
    }
}
