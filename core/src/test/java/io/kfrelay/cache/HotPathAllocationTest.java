package io.kfrelay.cache;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.room.RoomState;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No per-packet heap allocation on the update and fan-out paths, measured in bytes allocated by the thread
 * that runs them (deterministic, unlike timing). The speed itself is for the JMH benchmarks.
 */
class HotPathAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int PACKETS = 20_000;
    /**
     * Any per-packet object would cost at least 16 B x 20,000 = 320 KB per window, any per-keyframe one at
     * least 10 KB; 4 KB leaves room only for one-off JVM noise (class init, deoptimization).
     */
    private static final long BOUND = 4096;

    /** Smallest allocation of the current thread over three windows of {@code work}. */
    private static long allocatedBy(Runnable work) {
        long tid = Thread.currentThread().threadId();
        long best = Long.MAX_VALUE;
        for (int window = 0; window < 3; window++) {
            long before = THREADS.getThreadAllocatedBytes(tid);
            work.run();
            best = Math.min(best, THREADS.getThreadAllocatedBytes(tid) - before);
        }
        return best;
    }

    private static ByteBuf packet(int flags, long seq) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(1200);
        MediaHeader.write(b, flags, Protocol.KIND_VIDEO, 0, 1, seq, seq);
        return b.writeZero(1180);
    }

    /** Feeds GOPs of one 8-packet keyframe and 22 deltas. */
    private static void feed(StreamCache cache, MediaHeader h, ByteBuf[] kf, ByteBuf[] deltas, int gops, long[] seq) {
        for (int g = 0; g < gops; g++) {
            for (ByteBuf p : kf) {
                p.setInt(MediaHeader.SEQUENCE_OFFSET, (int) seq[0]++);
                h.wrap(p);
                cache.onPacket(h, 0);
            }
            for (ByteBuf p : deltas) {
                p.setInt(MediaHeader.SEQUENCE_OFFSET, (int) seq[0]++);
                h.wrap(p);
                cache.onPacket(h, 0);
            }
        }
    }

    @ParameterizedTest(name = "{0} mode")
    @EnumSource(CacheMode.class)
    @DisplayName("cache update and promotion allocate nothing per packet once warm")
    void cacheUpdateAllocatesNothing(CacheMode mode) {
        EnumCounters<Stat> stats = new EnumCounters<>(Stat.class);
        ShardCaches caches = ShardCaches.standalone(new CacheSettings(mode, 200 * 1024, 2 * 1024 * 1024, Long.MAX_VALUE),
                stats, new CacheBudget(64L * 1024 * 1024));
        StreamCache cache = caches.newCache(KeyframeListener.NONE);
        ByteBuf[] kf = new ByteBuf[8];
        for (int i = 0; i < kf.length; i++) {
            kf[i] = packet(Protocol.FLAG_KEYFRAME | (i == 0 ? Protocol.FLAG_FRAME_START : 0)
                    | (i == kf.length - 1 ? Protocol.FLAG_FRAME_END : 0), 0);
        }
        ByteBuf[] deltas = new ByteBuf[22];
        for (int i = 0; i < deltas.length; i++) {
            deltas[i] = packet(Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, 0);
        }
        MediaHeader h = new MediaHeader();
        long[] seq = {0};
        feed(cache, h, kf, deltas, 50, seq); // warm: stores reach their size, JIT settles

        long allocated = allocatedBy(() -> feed(cache, h, kf, deltas, PACKETS / 30, seq));

        assertTrue(allocated < BOUND, "allocated " + allocated + " bytes for " + PACKETS + " packets");
        assertEquals(3 * (PACKETS / 30) + 50, stats.get(Stat.KEYFRAMES_PROMOTED));
        cache.close();
        for (ByteBuf b : kf) {
            b.release();
        }
        for (ByteBuf b : deltas) {
            b.release();
        }
    }

    /** A sink that keeps nothing: what a transport does is not measured here. */
    private static final class NullSink implements ParticipantSink {
        @Override public void sendMedia(ByteBuf packet) { }
        @Override public void sendControl(ByteBuf message) { message.release(); }
        @Override public void flush() { }
        @Override public void close() { }
    }

    /**
     * The consumer's work per packet (stamp, cache update, promotion, fan-out to 50 receivers, flush) driven
     * directly on this thread. The packet buffers are retained and reused so that only the room logic is
     * measured: freeing a pooled buffer on a thread other than its allocator's costs Netty a few bytes per
     * packet (PoolThreadCache entries), which the benchmarks of issue 7 measure with real I/O threads.
     */
    @ParameterizedTest(name = "{0} mode")
    @EnumSource(CacheMode.class)
    @DisplayName("room logic ingests, caches and fans out to 50 receivers without allocating per packet")
    void roomLogicAllocatesNothing(CacheMode mode) {
        roomLogicAllocatesNothing(mode, false);
    }

    @ParameterizedTest(name = "{0} mode")
    @EnumSource(CacheMode.class)
    @DisplayName("a simulcast layer with 50 receivers on the auto layer (a backlog look per frame each) allocates nothing per packet")
    void simulcastLayerAllocatesNothing(CacheMode mode) {
        roomLogicAllocatesNothing(mode, true);
    }

    private void roomLogicAllocatesNothing(CacheMode mode, boolean simulcast) {
        RoomState state = new RoomState(RelayConfig.builder().cacheMode(mode).build(), 0, new RelayMetrics(1),
                System::nanoTime, PooledByteBufAllocator.DEFAULT, (id, sink, slices, queue) -> {
                    throw new AssertionError("nobody joins late here");
                });
        for (int id = 1; id <= 51; id++) {
            state.join(id, "room", "p" + id, new NullSink());
        }
        if (simulcast) {
            state.declareSimulcast(1, new int[] {1, 2}); // the packets' stream 1 is the lower layer of a source
        }
        state.flushDirty();
        ByteBuf[] gop = new ByteBuf[30];
        for (int i = 0; i < gop.length; i++) {
            int flags = i < 8
                    ? Protocol.FLAG_KEYFRAME | (i == 0 ? Protocol.FLAG_FRAME_START : 0) | (i == 7 ? Protocol.FLAG_FRAME_END : 0)
                    : Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
            gop[i] = packet(flags, 0);
        }
        long[] seq = {0};
        feed(state, gop, 100, seq); // warm
        long allocated = allocatedBy(() -> feed(state, gop, PACKETS / 30, seq));

        assertTrue(allocated < BOUND, "allocated " + allocated + " bytes for " + PACKETS + " packets");
        for (ByteBuf b : gop) {
            b.release();
        }
    }

    private static void feed(RoomState state, ByteBuf[] gop, int gops, long[] seq) {
        for (int g = 0; g < gops; g++) {
            for (ByteBuf p : gop) {
                p.setInt(MediaHeader.SEQUENCE_OFFSET, (int) seq[0]++);
                state.media(1, p.retain()); // the consumer releases one reference, as with a real packet
            }
            state.flushDirty();
        }
    }
}
