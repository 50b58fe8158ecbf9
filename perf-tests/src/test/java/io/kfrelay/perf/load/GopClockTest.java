package io.kfrelay.perf.load;

import io.kfrelay.perf.media.KeyframeDelay;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GopClockTest {
    private static final long FRAME = 33_000_000L;
    private static final KeyframeDelay FIXED_50MS = new KeyframeDelay(Duration.ofMillis(50), Duration.ofMillis(50));

    /** Indices of the keyframes among {@code frames} frames, one every {@link #FRAME} from 0. */
    private static List<Integer> keyframes(GopClock c, int frames) {
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            if (c.nextFrame(i * FRAME)) {
                keys.add(i);
            }
        }
        return keys;
    }

    @Test
    void aKeyframeFirstThenOneEveryGop() {
        assertEquals(List.of(0, 10, 20), keyframes(new GopClock(10, 0, KeyframeDelay.NEXT_FRAME), 25));
    }

    @Test
    void aPhaseShortensOnlyTheFirstGop() {
        assertEquals(List.of(0, 7, 17), keyframes(new GopClock(10, 3, KeyframeDelay.NEXT_FRAME), 25));
        assertThrows(IllegalArgumentException.class, () -> new GopClock(10, 10, KeyframeDelay.NEXT_FRAME));
    }

    @Test
    void aRequestIsAnsweredAtTheFirstFrameAfterTheEncoderDelayAndStartsAGop() {
        GopClock c = new GopClock(100, 0, FIXED_50MS);
        assertTrue(c.nextFrame(0));
        assertFalse(c.nextFrame(FRAME));
        assertTrue(c.request(FRAME + 1, new SplittableRandom(1)), "due at 33 ms + 50 ms");
        assertFalse(c.nextFrame(2 * FRAME), "66 ms: still encoding");
        assertTrue(c.nextFrame(3 * FRAME), "99 ms: the first frame after 83 ms");
        assertFalse(c.nextFrame(4 * FRAME));
    }

    @Test
    void requestsWhileOneIsPendingAreServedByIt() {
        GopClock c = new GopClock(100, 0, FIXED_50MS);
        c.nextFrame(0);
        assertTrue(c.request(0, new SplittableRandom(1)));
        assertFalse(c.request(FRAME, new SplittableRandom(1)), "pending: the same keyframe serves it");
        assertEquals(List.of(2), keyframesFrom(c, 1, 5), "one keyframe at 66 ms, not two");
        assertTrue(c.request(5 * FRAME, new SplittableRandom(1)), "served: a new request asks again");
    }

    private static List<Integer> keyframesFrom(GopClock c, int from, int to) {
        List<Integer> keys = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (c.nextFrame(i * FRAME)) {
                keys.add(i);
            }
        }
        return keys;
    }

    @Test
    void aLostKeyframeIsRepeatedAtTheNextFrameWithoutDelay() {
        GopClock c = new GopClock(100, 0, FIXED_50MS);
        assertTrue(c.nextFrame(0));
        c.keyframeLost(0);
        assertTrue(c.nextFrame(FRAME));
    }

    @Test
    void skippedFramesMoveTheGopOn() {
        GopClock c = new GopClock(10, 0, KeyframeDelay.NEXT_FRAME);
        assertTrue(c.nextFrame(0));
        c.skip(8); // frames 1..8 never made
        assertFalse(c.nextFrame(9 * FRAME));
        assertTrue(c.nextFrame(10 * FRAME));
    }
}
