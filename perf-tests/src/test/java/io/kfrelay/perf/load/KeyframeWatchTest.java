package io.kfrelay.perf.load;

import org.junit.jupiter.api.Test;

import static io.kfrelay.protocol.Protocol.FLAG_FRAME_END;
import static io.kfrelay.protocol.Protocol.FLAG_FRAME_START;
import static io.kfrelay.protocol.Protocol.FLAG_KEYFRAME;
import static io.kfrelay.protocol.Protocol.FLAG_REPLAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyframeWatchTest {
    private static final int K = FLAG_KEYFRAME;

    @Test
    void aReplayedStartFollowedLiveIsAKeyframeFromTheCache() {
        KeyframeWatch w = new KeyframeWatch();
        assertFalse(w.onPacket(K | FLAG_FRAME_START | FLAG_REPLAY, 10));
        assertTrue(w.onPacket(K | FLAG_FRAME_END, 11), "the rest of it arrived live: one keyframe all the same");
        assertEquals(KeyframeWatch.Source.CACHE, w.source());
        assertFalse(w.onPacket(K | FLAG_FRAME_START | FLAG_FRAME_END, 12), "done: only the first counts");
    }

    @Test
    void resetWaitsAfreshForTheNextSwitch() {
        KeyframeWatch w = new KeyframeWatch();
        assertTrue(w.onPacket(K | FLAG_FRAME_START | FLAG_FRAME_END | FLAG_REPLAY, 1));
        w.reset();
        assertFalse(w.done());
        assertTrue(w.onPacket(K | FLAG_FRAME_START | FLAG_FRAME_END, 40));
        assertEquals(KeyframeWatch.Source.LIVE_WITHOUT_REPLAY, w.source());
    }
}
