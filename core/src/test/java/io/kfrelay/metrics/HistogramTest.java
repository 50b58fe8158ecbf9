package io.kfrelay.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Spec: each duration lands in the first bucket whose bound holds it; snapshots are cumulative. */
class HistogramTest {

    @Test
    void countsAreCumulativeAndTheLastBucketHoldsEverything() {
        Histogram h = new Histogram(10, 100, 1000);
        h.record(10);    // on the bound: in it
        h.record(11);
        h.record(500);
        h.record(5000);  // above every bound
        h.record(-3);    // a clock that went back counts as zero
        Histogram.Snapshot s = h.snapshot();
        assertArrayEquals(new long[]{2, 3, 4, 5}, s.cumulativeCounts());
        assertEquals(5, s.count());
        assertEquals(10 + 11 + 500 + 5000, s.sumNanos());
    }

    @Test
    void theLatencyBucketsRunFrom100MicrosecondsTo10Seconds() {
        long[] bounds = Histogram.latency().snapshot().upperBoundsNanos();
        assertEquals(TimeUnit.MICROSECONDS.toNanos(100), bounds[0]);
        assertEquals(TimeUnit.SECONDS.toNanos(10), bounds[bounds.length - 1]);
    }

    @Test
    void boundsMustAscend() {
        assertThrows(IllegalArgumentException.class, () -> new Histogram(10, 10));
        assertThrows(IllegalArgumentException.class, () -> new Histogram());
    }
}
