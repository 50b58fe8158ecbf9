package io.kfrelay.cache;

import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache state machine under random packet streams (lost, reordered, duplicated packets, contradictory
 * flags, huge keyframes): after every packet, what would be replayed starts with one complete, contiguous
 * keyframe followed (GOP mode) by contiguous deltas only, and the byte gauge equals what the runs hold. Fixed
 * seeds, so a failure reproduces.
 */
class StreamCachePropertyTest {

    @ParameterizedTest(name = "{0} mode")
    @EnumSource(CacheMode.class)
    @DisplayName("random streams: never a partial keyframe cached, gauge always exact, back to 0 on close")
    void invariantsHold(CacheMode mode) {
        MediaHeader h = new MediaHeader();
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(2048);
        for (long seed = 1; seed <= 40; seed++) {
            Random rnd = new Random(seed);
            EnumCounters<Stat> stats = new EnumCounters<>(Stat.class);
            CacheBudget budget = new CacheBudget(CacheBudget.MIN_BYTES);
            ShardCaches caches = ShardCaches.standalone(new CacheSettings(mode, 8 * 1024, 32 * 1024, 1_000_000L),
                    stats, budget);
            StreamCache cache = caches.newCache(KeyframeListener.NONE);
            long seq = 0;
            long now = 0;
            for (int i = 0; i < 3_000; i++) {
                // Mostly well-formed frames, sometimes damaged.
                int flags = switch (rnd.nextInt(10)) {
                    case 0, 1 -> Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
                    case 2, 3, 4 -> Protocol.FLAG_KEYFRAME;
                    case 5 -> Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END;
                    case 6 -> Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
                    default -> Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
                };
                seq += switch (rnd.nextInt(20)) {
                    case 0 -> 2;          // loss
                    case 1 -> -1;         // reorder
                    case 2 -> 0;          // duplicate
                    default -> 1;
                };
                now += rnd.nextInt(50_000);
                buf.clear();
                MediaHeader.write(buf, flags, Protocol.KIND_VIDEO, 1, 1, seq, 0);
                buf.writeZero(rnd.nextInt(1200));
                h.wrap(buf);
                cache.onPacket(h, now);

                assertEquals(cache.bytes(), stats.get(Stat.CACHE_BYTES), "gauge exact (seed " + seed + ")");
                assertEquals(cache.hasKeyframe() ? 1 : 0, stats.get(Stat.CACHE_ENTRIES));
                if (cache.hasKeyframe()) {
                    assertCachedKeyframeComplete(cache, h, seed);
                }
            }
            cache.close();
            assertEquals(0, stats.get(Stat.CACHE_BYTES));
            assertEquals(0, stats.get(Stat.CACHE_ENTRIES));
            assertEquals(0, stats.get(Stat.CACHE_CAPACITY_BYTES));
            caches.segments().close();
            assertEquals(0, budget.reserved(), "every segment back (seed " + seed + ")");
        }
        buf.release();
    }

    /**
     * The replay begins with FRAME_START, contiguous KEYFRAME packets and FRAME_END; in GOP mode the deltas after it
     * are contiguous too (a GOP never has a hole); every cached packet is REPLAY-stamped.
     */
    private static void assertCachedKeyframeComplete(StreamCache cache, MediaHeader h, long seed) {
        List<byte[]> replay = CacheReplay.of(cache);
        int cached = cache.cachedPacketCount();
        long expected = -1;
        boolean ended = false;
        for (int i = 0; i < cached; i++) {
            ByteBuf b = Unpooled.wrappedBuffer(replay.get(i));
            h.wrap(b);
            assertTrue(h.isReplay(), "cached packets carry REPLAY (seed " + seed + ")");
            if (i > 0) {
                assertEquals(expected & 0xFFFF_FFFFL, h.sequence(), "contiguous, keyframe and GOP (seed " + seed + ")");
            }
            expected = h.sequence() + 1;
            if (!ended) {
                assertTrue(h.isKeyframe(), "cached keyframe packet " + i + " flagged KEYFRAME (seed " + seed + ")");
                assertEquals(i == 0, h.isFrameStart(), "FRAME_START first and only first (seed " + seed + ")");
                ended = h.isFrameEnd();
            } else {
                assertFalse(h.isKeyframe(), "only deltas follow the keyframe (seed " + seed + ")");
            }
        }
        assertTrue(ended, "cached keyframe has its FRAME_END (seed " + seed + ")");
    }
}
