package io.kfrelay.cache;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzz: the keyframe cache fed any packet sequence a publisher could send (any flag combination, sequence
 * jumps, reordering and wrap, any sizes, any timing). After every packet:
 * <ul>
 *   <li>it holds exactly what a reference model of ARCHITECTURE.md "Keyframe cache" holds, byte for byte;</li>
 *   <li>what it holds as cached starts with one complete keyframe (no partial keyframe is ever served as cached),
 *   and a cached GOP is contiguous (a gap closes it, and the cache asks for a keyframe exactly then);</li>
 *   <li>the gauges are exact: CACHE_BYTES, CACHE_ENTRIES and CACHE_CAPACITY_BYTES equal what the runs hold;</li>
 *   <li>memory stays under the caps;</li>
 * </ul>
 * and closing it returns every gauge to 0. Nothing may throw.
 */
class StreamCacheFuzzTest {
    private static final int MAX_PACKETS = 400;

    /** One packet as sent: enough to rebuild its bytes. */
    private record Pkt(int index, int flags, long seq, int length) {
        boolean keyframe() { return (flags & Protocol.FLAG_KEYFRAME) != 0; }
        boolean start() { return (flags & Protocol.FLAG_FRAME_START) != 0; }
        boolean end() { return (flags & Protocol.FLAG_FRAME_END) != 0; }
    }

    @FuzzTest(maxDuration = "10s")
    void cacheMatchesTheModelAndItsGaugesAreExact(FuzzedDataProvider data) {
        CacheMode mode = data.consumeBoolean() ? CacheMode.GOP : CacheMode.KEYFRAME;
        int keyframeCap = data.consumeInt(64, 8192);
        int gopCap = keyframeCap + data.consumeInt(0, 16384);
        long maxAge = data.consumeLong(1, 1_000_000_000L);
        boolean direct = data.consumeBoolean();
        long seq = data.consumeLong(0, 0xFFFF_FFFFL); // anywhere on the u32 circle: wrap is exercised
        long now = 0;

        EnumCounters<Stat> stats = new EnumCounters<>(Stat.class);
        CacheBudget budget = new CacheBudget(CacheBudget.MIN_BYTES);
        ShardCaches caches = ShardCaches.standalone(new CacheSettings(mode, keyframeCap, gopCap, maxAge), stats, budget);
        Model model = new Model(mode, keyframeCap, gopCap, maxAge);
        MediaHeader header = new MediaHeader();
        StreamCache cache = caches.newCache(KeyframeListener.NONE);
        try {
            for (int i = 0; i < MAX_PACKETS && data.remainingBytes() > 0; i++) {
                int r = data.consumeInt(0, 9);
                seq = (seq + (r < 6 ? 1 : r == 9 ? data.consumeInt() : r - 7)) & 0xFFFF_FFFFL;
                Pkt p = new Pkt(i, data.consumeInt(0, Protocol.KNOWN_FLAGS), seq, data.consumeInt(MediaHeader.LENGTH, 1200));
                now += data.consumeInt(0, 50_000_000);

                ByteBuf buf = bytes(p, direct);
                boolean asked;
                try {
                    assertEquals(DecodeStatus.OK, header.wrap(buf));
                    asked = cache.onPacket(header, now);
                } finally {
                    buf.release();
                }
                boolean wantKeyframe = model.onPacket(p, now);
                assertEquals(wantKeyframe, asked, () -> "asks for a keyframe exactly when its GOP lost continuity: " + p);
                check(cache, model, stats, caches, keyframeCap, mode == CacheMode.GOP ? gopCap : keyframeCap);
            }
        } finally {
            cache.close();
        }
        assertEquals(0, stats.get(Stat.CACHE_BYTES), "closing returns the bytes gauge to 0");
        assertEquals(0, stats.get(Stat.CACHE_ENTRIES));
        assertEquals(0, stats.get(Stat.CACHE_CAPACITY_BYTES));
        caches.segments().close();
        assertEquals(0, budget.reserved(), "every segment back to the allocator");
    }

    private static void check(StreamCache cache, Model model, EnumCounters<Stat> stats, ShardCaches caches,
                              int keyframeCap, int cachedCap) {
        List<Pkt> expected = new ArrayList<>(model.cached);
        if (model.candidate != null && !model.lastKeyframeOverCap) {
            expected.addAll(model.candidate);
        }
        assertEquals(expected.size(), cache.replayPacketCount(), "packets held");
        assertEquals(model.cached.size(), cache.cachedPacketCount());
        assertEquals(model.candidate != null, cache.isAssembling());
        assertEquals(!model.cached.isEmpty(), cache.hasKeyframe());
        long bytes = sum(model.cached) + sum(model.candidate);
        assertEquals(bytes, cache.bytes());
        assertEquals(sum(expected), cache.replayBytes());

        // Exact gauges.
        assertEquals(cache.bytes(), stats.get(Stat.CACHE_BYTES), "CACHE_BYTES is exact");
        assertEquals(cache.hasKeyframe() ? 1 : 0, stats.get(Stat.CACHE_ENTRIES));
        // What the segments hold is what the gauge says: all the budget holds but the pool (no replay here).
        SegmentAllocator segments = caches.segments();
        long capacity = segments.budget().reserved() - (long) segments.pooled() * segments.segmentBytes();
        assertEquals(capacity, stats.get(Stat.CACHE_CAPACITY_BYTES), "CACHE_CAPACITY_BYTES is exact");

        // Memory under the caps: each run fits in the segments its packets (and 4-byte record headers) need.
        assertTrue(sum(model.candidate) <= keyframeCap && sum(model.cached) <= cachedCap, "caps hold");
        long perRun = segments.segmentBytes() + 2L * Math.max(keyframeCap, cachedCap);
        assertTrue(capacity <= 2 * perRun, () -> "capacity " + capacity + " bounded");

        // Byte-exact replay (REPLAY stamped), and the cached part starts with one complete keyframe.
        List<byte[]> replay = CacheReplay.of(cache);
        assertEquals(expected.size(), replay.size());
        for (int i = 0; i < expected.size(); i++) {
            Pkt p = expected.get(i);
            assertEquals(p.length(), replay.get(i).length, "recorded length");
            assertSameBytes(p, Unpooled.wrappedBuffer(replay.get(i)));
        }
        assertCompleteKeyframeFirst(model.cached);
    }

    /** No partial keyframe served: cached = KEYFRAME|FRAME_START, consecutive keyframe packets to FRAME_END, then deltas. */
    private static void assertCompleteKeyframeFirst(List<Pkt> cached) {
        if (cached.isEmpty()) {
            return;
        }
        assertTrue(cached.getFirst().keyframe() && cached.getFirst().start(), "starts at a keyframe start");
        int end = 0;
        while (!cached.get(end).end()) {
            end++;
            assertTrue(end < cached.size(), "the cached keyframe has its FRAME_END");
            assertTrue(cached.get(end).keyframe() && !cached.get(end).start(), "one keyframe, every packet flagged");
            assertEquals((cached.get(end - 1).seq() + 1) & 0xFFFF_FFFFL, cached.get(end).seq(), "consecutive");
        }
        for (Pkt p : cached.subList(end + 1, cached.size())) {
            assertTrue(!p.keyframe(), "only deltas follow the keyframe (gop mode)");
        }
    }

    /** The copy holds exactly the packet that was sent: header and every payload byte. */
    private static void assertSameBytes(Pkt p, ByteBuf got) {
        MediaHeader h = new MediaHeader();
        assertEquals(DecodeStatus.OK, h.wrap(got));
        assertEquals(p.flags() | Protocol.FLAG_REPLAY, h.flags(), () -> "flags of " + p + ", REPLAY stamped");
        assertEquals(p.seq(), h.sequence(), () -> "seq of " + p);
        assertEquals(p.index() * 3000L & 0xFFFF_FFFFL, h.timestamp(), () -> "timestamp of " + p);
        for (int i = MediaHeader.LENGTH; i < p.length(); i++) {
            if (got.getByte(got.readerIndex() + i) != (byte) (p.index() * 31 + i)) {
                throw new AssertionError("payload byte " + i + " of " + p);
            }
        }
    }

    private static long sum(List<Pkt> ps) {
        return ps == null ? 0 : ps.stream().mapToLong(Pkt::length).sum();
    }

    private static ByteBuf bytes(Pkt p, boolean direct) {
        ByteBuf b = direct ? Unpooled.directBuffer(p.length()) : Unpooled.buffer(p.length());
        MediaHeader.write(b, p.flags(), Protocol.KIND_VIDEO, 7, 1, p.seq(), p.index() * 3000L);
        for (int i = MediaHeader.LENGTH; i < p.length(); i++) {
            b.writeByte(p.index() * 31 + i);
        }
        return b;
    }

    /** The cache as ARCHITECTURE.md describes it, in the plainest terms: lists of packets. */
    private static final class Model {
        final CacheMode mode;
        final int keyframeCap;
        final int gopCap;
        final long maxAge;
        /** The keyframe being assembled; null when none is. */
        List<Pkt> candidate;
        List<Pkt> cached = new ArrayList<>();
        boolean gopOpen;
        long gopStart;
        /** The sequence number the open GOP takes next. */
        long gopNext;
        /**
         * The last keyframe went over the cap: the next one is not replayed before it is whole (its first packets
         * would fit, its rest would not, and a joiner would wait on a keyframe that never completes).
         */
        boolean lastKeyframeOverCap;

        Model(CacheMode mode, int keyframeCap, int gopCap, long maxAge) {
            this.mode = mode;
            this.keyframeCap = keyframeCap;
            this.gopCap = gopCap;
            this.maxAge = maxAge;
        }

        /** True when the cache should ask for a keyframe: its GOP lost continuity. */
        boolean onPacket(Pkt p, long now) {
            if (!p.keyframe()) {
                candidate = null; // a delta ends any partial keyframe
                if (gopOpen) {
                    if (p.seq() != gopNext) {
                        gopOpen = false; // a hole (or a step back) closes the GOP: never cached with a hole
                        return true;
                    }
                    if (sum(cached) + p.length() > gopCap || now - gopStart > maxAge) {
                        gopOpen = false;
                    } else {
                        cached.add(p);
                        gopNext = (p.seq() + 1) & 0xFFFF_FFFFL;
                    }
                }
                return false;
            }
            gopOpen = false; // any keyframe packet starts a new GOP
            if (p.start()) {
                candidate = new ArrayList<>();
            } else if (candidate != null && !candidate.isEmpty()
                    && ((candidate.getLast().seq() + 1) & 0xFFFF_FFFFL) != p.seq()) {
                candidate = null; // gap or reorder
            }
            if (candidate == null) {
                return false; // missing start, or discarding until the next start
            }
            if (sum(candidate) + p.length() > keyframeCap) {
                candidate = null;
                lastKeyframeOverCap = true;
                return false;
            }
            candidate.add(p);
            if (p.end()) {
                lastKeyframeOverCap = false;
                cached = candidate;
                candidate = null;
                gopOpen = mode == CacheMode.GOP;
                gopStart = now;
                gopNext = (p.seq() + 1) & 0xFFFF_FFFFL;
            }
            return false;
        }
    }
}
