package io.kfrelay.pipeline;

import io.kfrelay.metrics.Histogram;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.testing.TestPeer;
import io.kfrelay.testing.TestRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: kfrelay_late_join_seconds times each late joiner (a JOIN into a room with video published) from its JOIN to
 * being live — its replay handed over, or its first keyframe start when nothing was cached — once, in the bucket of
 * that time; other joins are not timed. kfrelay_relay_latency_seconds times one media packet in 64.
 */
class LateJoinMetricsTest {
    private static final int CAM = 1;
    private static final int MIC = 2;

    private TestRelay relay;

    @AfterEach
    void close() {
        relay.close();
    }

    private Histogram.Snapshot lateJoins() {
        return relay.core.metrics().lateJoins().snapshot();
    }

    /** Events at or below {@code bound} (one of the histogram's bucket bounds). */
    private static long atOrBelow(Histogram.Snapshot s, Duration bound) {
        long[] bounds = s.upperBoundsNanos();
        for (int i = 0; i < bounds.length; i++) {
            if (bounds[i] == bound.toNanos()) {
                return s.cumulativeCounts()[i];
            }
        }
        throw new AssertionError("no bucket bound " + bound);
    }

    @Test
    void aJoinerWaitingForTheNextKeyframeIsTimedUntilItStarts() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "alice");
        pub.delta(CAM); // a video stream, nothing cached
        relay.settle();

        relay.join("r", "bob");
        relay.settle();
        relay.advance(Duration.ofMillis(2_200));
        pub.delta(CAM);
        relay.settle();
        assertEquals(0, lateJoins().count(), "not live yet: a delta is not a start");

        pub.keyframe(CAM, 2);
        relay.settle();
        Histogram.Snapshot s = lateJoins();
        assertEquals(1, s.count());
        assertEquals(0, atOrBelow(s, Duration.ofSeconds(2)));
        assertEquals(1, atOrBelow(s, Duration.ofSeconds(3)), "2.2 s ends in the (2 s, 3 s] bucket");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(2_200), s.sumNanos());

        pub.keyframe(CAM, 1);
        relay.settle();
        assertEquals(1, lateJoins().count(), "timed once");
    }

    @Test
    void aReplayedJoinerIsTimedUntilItsReplayIsHandedOver() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "alice");
        pub.keyframe(CAM, 3);
        relay.settle();

        relay.join("r", "bob");
        relay.settle();
        Histogram.Snapshot s = lateJoins();
        assertEquals(1, s.count());
        assertEquals(1, atOrBelow(s, Duration.ofMillis(5)), "the manual clock stood still: the first bucket");
        assertEquals(1, relay.core.metrics().replayDurations().snapshot().count());
    }

    @Test
    void joinsIntoRoomsWithoutVideoAreNotTimed() {
        relay = new TestRelay();
        relay.join("empty", "first");
        TestPeer pub = relay.join("audio", "alice");
        pub.audio(MIC);
        relay.settle();
        relay.join("audio", "bob");
        relay.settle();
        pub.audio(MIC);
        relay.settle();
        assertEquals(0, lateJoins().count());
    }

    @Test
    void oneMediaPacketInSixtyFourIsTimed() {
        relay = new TestRelay();
        TestPeer pub = relay.join("r", "alice");
        relay.join("r", "bob");
        int packets = 64 * 5;
        for (int i = 0; i < packets; i++) {
            pub.audio(MIC);
        }
        relay.settle();
        long timed = relay.core.metrics().relayLatency().snapshot().count();
        assertTrue(timed >= packets / RelayMetrics.RELAY_LATENCY_SAMPLE_EVERY - 1
                && timed <= packets / RelayMetrics.RELAY_LATENCY_SAMPLE_EVERY + 1, "timed " + timed);
    }
}
