package io.kfrelay.bench;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.RelayMetrics;
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

import java.util.concurrent.TimeUnit;

/**
 * The consumer's whole per-packet job for one room: stamp, cache update, fan-out to every receiver through
 * core's egress, and the end-of-batch flushes (one batch = one packet here, the worst case). The sinks do
 * nothing but consume the reference, so this is the core's own cost; transports add theirs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class FanOutBenchmark extends BenchmarkDefaults {

    @Param({"10", "100", "1000"})
    public int receivers;

    /** Flush once per packet (true) or once per 30-packet burst (false), as a real ring batch would. */
    @Param({"true", "false"})
    public boolean flushEveryPacket;

    /**
     * The stream is the lowest layer of a simulcast source that every receiver gets on the auto layer: each frame
     * end (every packet but the keyframe's first seven here) also looks at each receiver's backlog.
     */
    @Param({"false", "true"})
    public boolean simulcast;

    private RoomState room;
    private ByteBuf[] gop;
    private long seq;
    private int next;

    @Setup
    public void setup(Blackhole bh) {
        room = new RoomState(RelayConfig.defaults(), 0, new RelayMetrics(1), System::nanoTime,
                PooledByteBufAllocator.DEFAULT, (id, sink, slices, queue) -> {
                    throw new IllegalStateException("no late joiners in this benchmark");
                });
        for (int id = 1; id <= receivers + 1; id++) {
            room.join(id, "room", "p" + id, new BlackholeSink(bh));
        }
        if (simulcast) {
            room.declareSimulcast(1, new int[] {1, 2, 3});
        }
        room.flushDirty();
        gop = new ByteBuf[30];
        for (int i = 0; i < gop.length; i++) {
            gop[i] = Packets.video(Packets.gopFlags(i, 8), 1200);
        }
    }

    @TearDown
    public void tearDown() {
        for (ByteBuf b : gop) {
            b.release();
        }
    }

    /** One video packet from participant 1 to all the others (GOP of 30, keyframe of 8: caching included). */
    @Benchmark
    public void onePacket() {
        ByteBuf p = gop[next];
        Packets.setSequence(p, seq++);
        room.media(1, p.retain());
        if (++next == gop.length) {
            next = 0;
            room.flushDirty();
        } else if (flushEveryPacket) {
            room.flushDirty();
        }
    }
}
