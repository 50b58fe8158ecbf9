package io.kfrelay.perf.load;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SwitchStatsTest {

    @Test
    @SuppressWarnings("unchecked")
    void countsTheSwitchesAskedForInTheWindowOnlyAndStartsAfreshAfterTake() {
        MeasureWindow window = new MeasureWindow();
        SwitchStats s = new SwitchStats(window);
        s.started(5);                                    // before any window
        window.open(1_000);
        s.started(2_000);
        s.started(3_000);
        s.started(4_000);
        window.close(10_000);
        s.started(11_000);                               // after it
        assertEquals(3, s.unresolved());
        s.completed(2_000, 1_000_000, 5_000_000, 2, KeyframeWatch.Source.CACHE);
        s.completed(3_000, 2_000_000, 90_000_000, 1, KeyframeWatch.Source.LIVE_WITHOUT_REPLAY);
        s.completed(11_000, 1, 1, 0, KeyframeWatch.Source.CACHE); // not this window's
        assertEquals(1, s.unresolved());
        s.timedOut(4_000);
        assertEquals(0, s.unresolved());
        s.otherLayer();

        Map<String, Object> m = s.take();
        Map<String, Object> c = (Map<String, Object>) m.get("layer_switches");
        assertEquals(3L, c.get("started"));
        assertEquals(2L, c.get("completed"));
        assertEquals(1L, c.get("from_cache"));
        assertEquals(1L, c.get("live_without_replay"));
        assertEquals(1L, c.get("timed_out"));
        assertEquals(1L, c.get("other_layer_messages"));
        assertEquals(2L, ((Map<String, Object>) m.get("layer_switch_ms")).get("count"));
        assertEquals(5.0, (double) ((Map<String, Object>) m.get("layer_switch_from_cache_ms")).get("p50"), 0.01);
        assertEquals(90.0, (double) ((Map<String, Object>) m.get("layer_switch_live_ms")).get("p50"), 0.1);
        assertEquals(1L, ((Map<String, Object>) m.get("layer_switch_to_layer_2_ms")).get("count"));
        assertNull(m.get("layer_switch_to_layer_0_ms"));

        Map<String, Object> next = s.take();
        assertNull(next.get("layer_switch_ms"));
        assertEquals(0L, ((Map<String, Object>) next.get("layer_switches")).get("started"));
    }
}
