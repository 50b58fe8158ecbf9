package io.kfrelay.client;

import io.kfrelay.protocol.Protocol;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A receiver notices lost video packets by sequence, and asks for a keyframe when the loss broke one. */
class LossDetectorTest {
    private static final int KEY_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
    private static final int KEY_MIDDLE = Protocol.FLAG_KEYFRAME;
    private static final int KEY_END = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END;
    private static final int DELTA = Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
    private static final long SECOND = 1_000_000_000L;

    private final LossDetector losses = new LossDetector(LossDetector.DEFAULT_MIN_INTERVAL_NANOS);

    @Test
    void aHoleInsideAKeyframeAsksForAnother() {
        assertFalse(losses.onVideoPacket(7, 1, 10, KEY_START, 0));
        assertTrue(losses.onVideoPacket(7, 1, 12, KEY_END, 0), "packet 11 of the keyframe is missing");
        assertEquals(1, losses.lostPackets());
    }

    @Test
    void aKeyframeWhoseStartWasLostAsksToo() {
        losses.onVideoPacket(7, 1, 10, DELTA, 0);
        assertTrue(losses.onVideoPacket(7, 1, 12, KEY_MIDDLE, 0));
    }

    @Test
    void lossBetweenFramesOrALatePacketDoesNotAsk() {
        losses.onVideoPacket(7, 1, 10, DELTA, 0);
        assertFalse(losses.onVideoPacket(7, 1, 13, KEY_START, 0), "lost deltas, and a keyframe starts whole");
        assertFalse(losses.onVideoPacket(7, 1, 12, DELTA, 0), "a late packet is neither loss nor progress");
        assertFalse(losses.onVideoPacket(7, 1, 14, KEY_END, 0));
        assertEquals(2, losses.lostPackets());
    }

    @Test
    void requestsAreThrottledPerStreamAndSequencesWrap() {
        losses.onVideoPacket(7, 1, 0xFFFF_FFFEL, KEY_START, 0);
        assertTrue(losses.onVideoPacket(7, 1, 0, KEY_MIDDLE, 0), "0xFFFFFFFF is missing across the wrap");
        losses.onVideoPacket(7, 1, 10, KEY_START, SECOND / 10);
        assertFalse(losses.onVideoPacket(7, 1, 12, KEY_END, SECOND / 10), "within 500 ms of the last request");
        losses.onVideoPacket(7, 2, 10, KEY_START, SECOND / 10);
        assertTrue(losses.onVideoPacket(7, 2, 12, KEY_END, SECOND / 10), "another stream has its own throttle");
        losses.onVideoPacket(7, 1, 20, KEY_START, SECOND);
        assertTrue(losses.onVideoPacket(7, 1, 22, KEY_END, SECOND));
        assertEquals(3, losses.keyframeRequests());
    }
}
