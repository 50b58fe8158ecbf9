package io.kfrelay.perf.load;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.kfrelay.protocol.Protocol.FLAG_FRAME_END;
import static io.kfrelay.protocol.Protocol.FLAG_FRAME_START;
import static io.kfrelay.protocol.Protocol.FLAG_KEYFRAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailoverWatchTest {
    private static final int K = FLAG_KEYFRAME;
    private final List<Long> samples = new ArrayList<>();

    private FailoverWatch watch(long staleSender) {
        return new FailoverWatch(staleSender, new LateJoinTracker(1, 1000, (nanos, source) -> samples.add(nanos)));
    }

    @Test
    void theOldPublishersKeyframeStillInFlightIsNotThePictureAfterTheKill() {
        FailoverWatch w = watch(7);
        assertFalse(w.onVideo(7, 1, K | FLAG_FRAME_START, 10, 1100));
        assertFalse(w.onVideo(7, 1, K | FLAG_FRAME_END, 11, 1200));
        assertTrue(samples.isEmpty());
        assertFalse(w.onVideo(9, 1, K | FLAG_FRAME_START, 0, 5000));
        assertTrue(w.onVideo(9, 1, K | FLAG_FRAME_END, 1, 6000));
        assertEquals(List.of(5000L), samples, "from the kill to the new publisher's first complete keyframe");
        assertTrue(w.done());
    }

    @Test
    void afterAReconnectionEveryPublisherIsNewEvenWithTheOldId() {
        FailoverWatch w = watch(7);
        w.reconnected(); // another relay: its ids are its own
        assertFalse(w.onVideo(7, 1, K | FLAG_FRAME_START, 0, 3000));
        assertTrue(w.onVideo(7, 1, K | FLAG_FRAME_END, 1, 4000));
        assertEquals(List.of(3000L), samples);
    }

    @Test
    void aReceiverThatHadNoVideoYetTakesTheFirstKeyframe() {
        FailoverWatch w = watch(FailoverWatch.none());
        assertTrue(w.onVideo(1, 1, K | FLAG_FRAME_START | FLAG_FRAME_END, 0, 2000));
        assertEquals(List.of(1000L), samples);
    }
}
