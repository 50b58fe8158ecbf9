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

class FailoverWatchTest {
    private static final int K = FLAG_KEYFRAME;
    private static final long KILL = 1000;
    private final List<Long> samples = new ArrayList<>();
    private final FailoverWatch watch = new FailoverWatch(KILL,
            new LateJoinTracker(1, KILL, (nanos, source) -> samples.add(nanos)));

    @Test
    void aKeyframeSentBeforeTheKillIsNotThePictureAfterIt() {
        // In flight at the kill, or an edge's cache of the old session replayed after a reconnection.
        assertFalse(watch.onVideo(900, 7, 1, K | FLAG_FRAME_START | FLAG_REPLAY, 10, 1100));
        assertFalse(watch.onVideo(900, 7, 1, K | FLAG_FRAME_END | FLAG_REPLAY, 11, 1200));
        assertTrue(samples.isEmpty());
        assertFalse(watch.done());
        assertFalse(watch.onVideo(4000, 9, 1, K | FLAG_FRAME_START, 0, 5000));
        assertTrue(watch.onVideo(4000, 9, 1, K | FLAG_FRAME_END, 1, 6000));
        assertEquals(List.of(5000L), samples, "from the kill to the new session's first complete keyframe");
        assertTrue(watch.done());
    }

    @Test
    void anIncompleteNewKeyframeIsNoPicture() {
        assertFalse(watch.onVideo(2000, 9, 1, K | FLAG_FRAME_START, 0, 2100));
        assertFalse(watch.onVideo(2000, 9, 1, K | FLAG_FRAME_END, 2, 2200), "packet 1 is missing");
        assertTrue(samples.isEmpty());
    }
}
