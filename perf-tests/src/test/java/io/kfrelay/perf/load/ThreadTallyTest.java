package io.kfrelay.perf.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ThreadTallyTest {

    @Test
    void countsPacketsBytesGapsAndLatencyInMicroseconds() {
        ThreadTally t = new ThreadTally();
        t.record(1_500_000, 1200, 0);       // 1500 us
        t.record(250_000, 800, 2);          // 250 us, 2 packets missing before it
        t.record(-5_000, 100, -1);          // a stamp "after" now (clock granularity): 0 us, a duplicate
        t.record(Long.MAX_VALUE, 100, 0);   // clamped to the histogram's range
        t.countReplayed();
        t.countGapAnyReceiver(5);
        assertEquals(4, t.packets());
        assertEquals(2200, t.bytes());
        assertEquals(2, t.gaps());
        assertEquals(1, t.duplicates());
        assertEquals(1, t.replayed());
        assertEquals(5, t.gapsAnyReceiver(), "kept apart from the measured gaps");
        Histogram h = t.takeLatencies();
        assertEquals(4, h.getTotalCount());
        assertEquals(0, h.getMinValue());
        assertEquals(ThreadTally.MAX_LATENCY_US, h.getMaxValue(), ThreadTally.MAX_LATENCY_US / 1000.0);
        assertEquals(0, t.takeLatencies().getTotalCount(), "an interval starts empty");
    }
}
