package io.kfrelay.perf.media;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyframeDelayTest {

    @Test
    void parsesAFixedDelayOrARange() {
        assertEquals(KeyframeDelay.NEXT_FRAME, KeyframeDelay.parse("0"));
        assertEquals(new KeyframeDelay(Duration.ofMillis(50), Duration.ofMillis(50)), KeyframeDelay.parse("50ms"));
        KeyframeDelay range = KeyframeDelay.parse("30ms..100ms");
        assertEquals(Duration.ofMillis(30), range.min());
        assertEquals(Duration.ofMillis(100), range.max());
        assertEquals(java.util.List.of(30L, 100L), range.describeMillis());
    }

    @Test
    void refusesWhatIsNotADelay() {
        assertThrows(IllegalArgumentException.class, () -> KeyframeDelay.parse("100ms..30ms"), "backwards");
        assertThrows(IllegalArgumentException.class, () -> KeyframeDelay.parse("1..2..3"));
        assertThrows(IllegalArgumentException.class, () -> KeyframeDelay.parse("soon"));
        assertThrows(IllegalArgumentException.class, () -> KeyframeDelay.parse("1m"), "longer than 10 s");
    }

    @Test
    void drawsUniformlyWithinTheRange() {
        KeyframeDelay d = KeyframeDelay.parse("30ms..100ms");
        SplittableRandom r = new SplittableRandom(7);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long n = d.nextNanos(r);
            assertTrue(n >= 30_000_000L && n <= 100_000_000L, "" + n);
            min = Math.min(min, n);
            max = Math.max(max, n);
        }
        assertTrue(min < 31_000_000L && max > 99_000_000L, "spread over the whole range");
        assertEquals(0, KeyframeDelay.NEXT_FRAME.nextNanos(r));
    }
}
