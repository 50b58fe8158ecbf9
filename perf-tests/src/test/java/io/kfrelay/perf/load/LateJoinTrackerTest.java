package io.kfrelay.perf.load;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.kfrelay.protocol.Protocol.FLAG_FRAME_END;
import static io.kfrelay.protocol.Protocol.FLAG_FRAME_START;
import static io.kfrelay.protocol.Protocol.FLAG_KEYFRAME;
import static io.kfrelay.protocol.Protocol.FLAG_REPLAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LateJoinTrackerTest {
    private static final int K = FLAG_KEYFRAME;
    private final List<long[]> samples = new ArrayList<>(); // {nanos, source ordinal}

    private LateJoinTracker tracker(int streams) {
        return new LateJoinTracker(streams, 1000, (nanos, source) -> samples.add(new long[]{nanos, source.ordinal()}));
    }

    private static long source(KeyframeWatch.Source s) {
        return s.ordinal();
    }

    @Test
    void timesJoinToTheLastPacketOfTheFirstCompleteKeyframe() {
        LateJoinTracker t = tracker(1);
        assertFalse(t.onVideo(1, 1, 0, 40, 1100), "a delta before any keyframe");
        assertFalse(t.onVideo(1, 1, K | FLAG_FRAME_START | FLAG_REPLAY, 10, 1200));
        assertFalse(t.onVideo(1, 1, K | FLAG_REPLAY, 11, 1300));
        assertTrue(t.onVideo(1, 1, K | FLAG_FRAME_END | FLAG_REPLAY, 12, 1500));
        assertEquals(1, samples.size());
        assertEquals(500, samples.getFirst()[0]);
        assertEquals(source(KeyframeWatch.Source.CACHE), samples.getFirst()[1], "replayed: from the cache");
        assertEquals(0, t.pending());
    }

    @Test
    void aKeyframeWithAHoleDoesNotCountTheNextOneDoes() {
        LateJoinTracker t = tracker(1);
        t.onVideo(1, 1, K | FLAG_FRAME_START, 10, 1100);
        t.onVideo(1, 1, K, 12, 1200); // 11 is missing
        assertFalse(t.onVideo(1, 1, K | FLAG_FRAME_END, 13, 1300));
        assertTrue(samples.isEmpty());
        t.onVideo(1, 1, 0, 14, 1400);
        t.onVideo(1, 1, K | FLAG_FRAME_START, 15, 1500);
        assertTrue(t.onVideo(1, 1, K | FLAG_FRAME_END, 16, 1600));
        assertEquals(600, samples.getFirst()[0]);
        assertEquals(source(KeyframeWatch.Source.LIVE_WITHOUT_REPLAY), samples.getFirst()[1], "a live keyframe");
    }

    @Test
    void aReplayedKeyframeWithAHoleMakesTheLiveOneCountAsAfterABrokenReplay() {
        LateJoinTracker t = tracker(1);
        t.onVideo(1, 1, K | FLAG_FRAME_START | FLAG_REPLAY, 10, 1100);
        t.onVideo(1, 1, K | FLAG_REPLAY, 13, 1150); // 11 and 12 were dropped on the way
        t.onVideo(1, 1, K | FLAG_FRAME_START, 40, 1200);
        assertTrue(t.onVideo(1, 1, K | FLAG_FRAME_END, 41, 1300));
        assertEquals(source(KeyframeWatch.Source.LIVE_AFTER_BROKEN_REPLAY), samples.getFirst()[1]);
    }

    @Test
    void aDeltaInsideAKeyframeRestartsTheWaitAndANewStartIsTakenAtOnce() {
        LateJoinTracker t = tracker(1);
        t.onVideo(1, 1, K | FLAG_FRAME_START, 10, 1100);
        t.onVideo(1, 1, 0, 11, 1150);
        t.onVideo(1, 1, K | FLAG_FRAME_START, 20, 1200);
        assertTrue(t.onVideo(1, 1, K | FLAG_FRAME_END, 21, 1300));
        assertEquals(300, samples.getFirst()[0]);
    }

    @Test
    void oneSamplePerStreamAndDoneWhenAllHaveOne() {
        LateJoinTracker t = tracker(2);
        assertFalse(t.onVideo(1, 1, K | FLAG_FRAME_START | FLAG_FRAME_END, 5, 1100));
        assertFalse(t.onVideo(1, 1, K | FLAG_FRAME_START | FLAG_FRAME_END, 6, 1150), "same stream again: ignored");
        assertEquals(1, t.pending());
        assertFalse(t.onVideo(3, 1, 0, 1, 1200), "a third stream's delta takes the second slot");
        assertTrue(t.onVideo(3, 1, K | FLAG_FRAME_START | FLAG_FRAME_END, 2, 1250));
        assertEquals(2, samples.size());
        assertFalse(t.onVideo(9, 9, K | FLAG_FRAME_START | FLAG_FRAME_END, 1, 1300), "streams beyond the expected");
        assertEquals(2, samples.size());
    }

    @Test
    void sequenceNumbersWrap() {
        LateJoinTracker t = tracker(1);
        t.onVideo(1, 1, K | FLAG_FRAME_START, 0xFFFF_FFFFL, 1100);
        assertTrue(t.onVideo(1, 1, K | FLAG_FRAME_END, 0, 1200));
    }
}
