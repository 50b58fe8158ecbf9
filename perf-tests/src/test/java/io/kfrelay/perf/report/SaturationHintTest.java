package io.kfrelay.perf.report;

import io.kfrelay.perf.testing.Steps;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SaturationHintTest {

    @Test
    void namesAFullMachineFirst() {
        String hint = SaturationHint.of(Steps.step("s", 10, 100, 100, 1000, 0.97, null));
        assertTrue(hint.startsWith("machine CPU 97% busy"), hint);
    }

    @Test
    void saysNothingWhenNothingIsFull() {
        assertNull(SaturationHint.of(Steps.step("s", 10, 100, 100, 1000, 0.5, null)));
    }
}
