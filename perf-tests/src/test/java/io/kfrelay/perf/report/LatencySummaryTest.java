package io.kfrelay.perf.report;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LatencySummaryTest {

    @Test
    void percentilesOfAKnownDistributionWithinHdrPrecision() {
        Histogram h = new Histogram(1, 60_000_000, 3);
        for (int v = 1; v <= 10_000; v++) {
            h.recordValue(v);
        }
        LatencySummary s = LatencySummary.of(h);
        assertEquals(10_000, s.count());
        assertEquals(5_000, s.p50(), 5_000 * 0.001 + 1);
        assertEquals(9_900, s.p99(), 9_900 * 0.001 + 1);
        assertEquals(9_990, s.p999(), 9_990 * 0.001 + 1);
        assertEquals(10_000, s.max(), 10_000 * 0.001 + 1);
    }

    @Test
    void aRareSlowPacketShowsInTheTailOnly() {
        Histogram h = new Histogram(1, 60_000_000, 3);
        h.recordValueWithCount(200, 9_990);
        h.recordValueWithCount(50_000, 10);  // 0.1 %: e.g. the packets of one keyframe burst
        LatencySummary s = LatencySummary.of(h);
        assertEquals(200, s.p50(), 1);
        assertEquals(200, s.p99(), 1);
        assertEquals(200, s.p999(), 1);
        assertEquals(50_000, s.max(), 50);
        h.recordValue(50_000);
        assertEquals(50_000, LatencySummary.of(h).p999(), 50, "one more and p99.9 lands in the slow group");
    }

    @Test
    void emptyIsNullAndScalingKeepsTheCount() {
        assertNull(LatencySummary.of(new Histogram(1, 1000, 3)));
        assertNull(LatencySummary.of(null));
        LatencySummary ms = new LatencySummary(3, 1000, 2000, 3000, 4000).scaled(1e-3);
        assertEquals(new LatencySummary(3, 1, 2, 3, 4), ms);
    }
}
