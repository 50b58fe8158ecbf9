package io.kfrelay.pipeline;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.Stat;
import io.kfrelay.room.RoomInfo;
import io.kfrelay.testing.RecordingSink;
import io.kfrelay.testing.RecordingSink.Media;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the caches may hold: real video under the default caps, one relay-wide budget, and who gives way when it is
 * spent. Packets here are 1020 bytes, records 1024: exactly 64 to a 64 KiB segment, so sizes below are exact.
 */
class CacheBudgetTest {
    private static final int CAM = 1;
    private static final long MIB = 1024 * 1024;
    /** Packets of one MiB of records. */
    private static final int MIB_PACKETS = 1024;

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    private RoomInfo.StreamInfo stream(TestPeer publisher) throws Exception {
        RoomInfo room = relay.core.room("r").get(5, TimeUnit.SECONDS);
        return room.participants().stream().filter(p -> p.id() == publisher.id())
                .flatMap(p -> p.streams().stream()).filter(s -> s.streamId() == CAM).findFirst().orElseThrow();
    }

    private static long replayed(TestPeer joiner, TestPeer publisher) {
        return joiner.sink.media(publisher.id(), CAM).stream().filter(Media::replay).count();
    }

    @Test
    @DisplayName("out of the box a 1 MB keyframe is cached, and in gop mode a 4 MB GOP of several seconds")
    void defaultsCacheRealVideo() throws Exception {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 1030);                              // 1.05 MB, a large 1080p IDR
        relay.settle();
        assertTrue(stream(pub).hasKeyframe());
        assertEquals(1030, replayed(relay.join("r", "late"), pub));
        relay.close();

        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).build());
        pub = relay.join("r", "pub");
        pub.keyframe(CAM, 400);
        for (int i = 0; i < 3600; i++) {
            pub.delta(CAM);                                   // 4 s at ~8 Mbit/s
        }
        relay.settle();
        assertEquals(4000, stream(pub).cachedPackets());
        assertNull(stream(pub).lastMiss());
        assertEquals(4000, replayed(relay.join("r", "late"), pub));
    }

    @Test
    @DisplayName("a keyframe over the cap is not cached, and the operator sees its whole size and the option to raise")
    void oversizeKeyframeIsTold() throws Exception {
        relay = new TestRelay(RelayConfig.builder().keyframeCapBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 30);                                // 30600 B
        relay.settle();

        RoomInfo.StreamInfo s = stream(pub);
        assertFalse(s.hasKeyframe());
        assertNotNull(s.lastMiss());
        assertEquals(CacheMiss.KEYFRAME_OVER_CAP, s.lastMiss().reason());
        assertEquals(30 * 1020, s.lastMiss().bytes(), "the whole keyframe, counted on past the cap");
        assertEquals(16 * 1024, s.lastMiss().limit());
        assertEquals("--keyframe-cap", s.lastMiss().reason().option());
        assertEquals(1, relay.core.metrics().cacheMisses(CacheMiss.KEYFRAME_OVER_CAP));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.OVER_CAP));
    }

    @Test
    @DisplayName("budget spent: a new keyframe evicts the largest cache larger than itself, and only that one")
    void largestCacheGoesFirst() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheBudgetBytes(CacheBudget.MIN_BYTES).build()); // 64 segments
        TestPeer a = relay.join("r", "a");
        TestPeer b = relay.join("r", "b");
        TestPeer c = relay.join("r", "c");
        TestPeer d = relay.join("r", "d");
        a.keyframe(CAM, 3 * MIB_PACKETS / 2);                 // 1.5 MiB: 24 segments
        b.keyframe(CAM, MIB_PACKETS);                         // 1 MiB: 16
        c.keyframe(CAM, MIB_PACKETS / 4);                     // 0.25 MiB: 4; 20 left
        relay.settle();
        d.keyframe(CAM, 3 * MIB_PACKETS / 2);                 // needs 24
        relay.settle();

        assertFalse(stream(a).hasKeyframe(), "a held the most: evicted");
        assertEquals(CacheMiss.EVICTED, stream(a).lastMiss().reason());
        assertTrue(stream(b).hasKeyframe() && stream(c).hasKeyframe(), "the smaller ones stay");
        assertTrue(stream(d).hasKeyframe(), "the new keyframe is cached");
        assertEquals(1, relay.stat(Stat.CACHE_EVICTIONS));
        assertTrue(relay.core.cacheBudget().reserved() <= CacheBudget.MIN_BYTES);
    }

    @Test
    @DisplayName("budget spent and nobody larger: the new keyframe goes without, nothing smaller is evicted for it")
    void biggestPictureGoesWithout() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheBudgetBytes(CacheBudget.MIN_BYTES).build());
        List<TestPeer> pubs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestPeer p = relay.join("r", "p" + i);
            p.keyframe(CAM, MIB_PACKETS);                     // 3 x 1 MiB: 48 segments, 16 left
            pubs.add(p);
        }
        TestPeer big = relay.join("r", "big");
        relay.settle();
        big.keyframe(CAM, 2 * MIB_PACKETS);                   // needs 32
        relay.settle();

        assertFalse(stream(big).hasKeyframe());
        assertEquals(CacheMiss.OVER_BUDGET, stream(big).lastMiss().reason());
        assertEquals("--cache-budget", stream(big).lastMiss().reason().option());
        for (TestPeer p : pubs) {
            assertTrue(stream(p).hasKeyframe(), "no smaller cache was evicted for it");
        }
        assertEquals(0, relay.stat(Stat.CACHE_EVICTIONS));
        assertEquals(1, relay.core.metrics().keyframeRejects(KeyframeReject.OVER_BUDGET));
    }

    @Test
    @DisplayName("budget spent: a stream's new keyframe first takes the memory of its own keyframe it replaces")
    void ownPreviousKeyframeGoesFirst() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheBudgetBytes(CacheBudget.MIN_BYTES).build());
        List<TestPeer> pubs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TestPeer p = relay.join("r", "p" + i);
            p.keyframe(CAM, MIB_PACKETS);                     // 4 x 1 MiB: the whole budget
            pubs.add(p);
        }
        relay.settle();
        pubs.getFirst().keyframe(CAM, MIB_PACKETS);           // its next keyframe
        relay.settle();

        for (TestPeer p : pubs) {
            assertTrue(stream(p).hasKeyframe());
        }
        assertEquals(5, relay.stat(Stat.KEYFRAMES_PROMOTED), "the new one replaced the old one");
        assertEquals(0, relay.stat(Stat.CACHE_EVICTIONS));
    }

    @Test
    @DisplayName("a hundred joiners at once share the cache: no copy per joiner, memory stays within the budget")
    void joinStormSharesTheCache() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).cacheBudgetBytes(16 * MIB)
                .replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 200);
        for (int i = 0; i < 824; i++) {
            pub.delta(CAM);                                   // 1 MiB GOP
        }
        relay.settle();
        CacheBudget budget = relay.core.cacheBudget();
        long before = budget.reserved();

        List<RecordingSink> sinks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            RecordingSink sink = new RecordingSink();
            sink.hold();                                      // every replay stays in flight
            relay.joinAsync("r", "j" + i, sink);
            sinks.add(sink);
        }
        relay.core.sync().get(5, TimeUnit.SECONDS);
        assertEquals(100, relay.stat(Stat.REPLAYS_ACTIVE));
        assertEquals(before, budget.reserved(), "joins take references, not memory");
        for (int i = 0; i < 30; i++) {
            pub.delta(CAM);                                   // live packets queue behind 100 replays
        }
        relay.core.sync().get(5, TimeUnit.SECONDS);
        assertEquals(100L * 30 * 1020, budget.queued());
        assertTrue(budget.reserved() <= budget.limit());

        pub.keyframe(CAM, 10);                                // a new GOP while the replays still read the old
        relay.core.sync().get(5, TimeUnit.SECONDS);
        assertTrue(budget.replayHeld() > 0, "the old GOP lives on for its readers");
        sinks.forEach(RecordingSink::release);
        relay.settle();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((budget.replayHeld() > 0 || budget.queued() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(0, budget.replayHeld(), "freed by its last reader");
        assertEquals(0, budget.queued());
        for (RecordingSink s : sinks) {
            List<Long> seqs = s.media(pub.id(), CAM).stream().map(Media::seq).toList();
            assertEquals(java.util.stream.LongStream.range(0, 1064).boxed().toList(), seqs,
                    "each joiner: the GOP, the live packets, the new keyframe, gap-free");
        }
    }

    @Test
    @DisplayName("a joiner that does not read and falls behind lets go of the cache: its memory does not stay pinned")
    void stuckJoinerReleasesTheCache() throws Exception {
        relay = new TestRelay(RelayConfig.builder().cacheMode(CacheMode.GOP).keyframeCapBytes(256 * 1024)
                .replayWindowBytes(16 * 1024).build());
        TestPeer pub = relay.join("r", "pub");
        pub.keyframe(CAM, 100);
        for (int i = 0; i < 156; i++) {
            pub.delta(CAM);                                   // a 256-packet GOP
        }
        relay.settle();
        RecordingSink stuck = new RecordingSink();
        stuck.hold();                                         // never reads
        relay.joinAsync("r", "stuck", stuck);
        LateJoinReplayTest.awaitBacklog(stuck, 16 * 1024);
        for (int i = 0; i < 1000; i++) {
            pub.delta(CAM);                                   // past the catch-up bound: it moves forward
        }
        pub.keyframe(CAM, 10);                                // the old GOP is superseded
        relay.core.sync().get(5, TimeUnit.SECONDS);
        CacheBudget budget = relay.core.cacheBudget();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (budget.replayHeld() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1, relay.stat(Stat.REPLAYS_SKIPPED_FORWARD));
        assertEquals(0, budget.replayHeld(), "the superseded GOP was freed though the joiner still has not read");
        stuck.release();
        relay.settle();
    }
}
