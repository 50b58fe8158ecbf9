package io.kfrelay.perf.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeasureWindowTest {

    @Test
    void countsSendTimesInStartInclusiveEndExclusive() {
        MeasureWindow w = new MeasureWindow();
        assertFalse(w.contains(5), "closed until opened");
        w.open(100);
        assertFalse(w.contains(99));
        assertTrue(w.contains(100));
        assertTrue(w.contains(1_000_000), "open-ended while open");
        w.close(200);
        assertTrue(w.contains(199));
        assertFalse(w.contains(200));
        w.reset();
        assertFalse(w.contains(150));
    }

    @Test
    void worksAcrossNegativeAndWrappingNanoTimes() {
        MeasureWindow w = new MeasureWindow();
        w.open(-50);
        w.close(50);
        assertTrue(w.contains(-50));
        assertTrue(w.contains(0));
        assertFalse(w.contains(-51));
        w.open(Long.MAX_VALUE - 10);
        w.close(Long.MIN_VALUE + 10); // the clock wrapped inside the window
        assertTrue(w.contains(Long.MAX_VALUE));
        assertTrue(w.contains(Long.MIN_VALUE + 5));
        assertFalse(w.contains(Long.MIN_VALUE + 10));
    }
}
