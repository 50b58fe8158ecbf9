package io.kfrelay.perf.scenario;

import io.kfrelay.perf.report.StepResult;
import io.kfrelay.perf.testing.Steps;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KneeTest {
    private static final double LOSS = 0.01;
    private static final double P99_US = 50_000;

    @Test
    void theKneeIsTheLastStepBeforeLossOrLatencyBreaks() {
        List<StepResult> steps = List.of(Steps.step("1", 10, 1000, 1000, 2_000), Steps.step("2", 10, 2000, 1999, 8_000),
                Steps.step("3", 10, 4000, 3800, 9_000), Steps.step("4", 10, 8000, 8000, 90_000));
        Knee k = Knee.find(steps, LOSS, P99_US);
        assertTrue(k.reached());
        assertEquals(1, k.lastGood());
        assertEquals(2, k.firstBad());
        assertTrue(k.reason().startsWith("3: loss 0.0500"), k.reason());
    }

    @Test
    void latencyAloneBreaksItToo() {
        Knee k = Knee.find(List.of(Steps.step("1", 10, 1000, 1000, 2_000), Steps.step("2", 10, 1000, 1000, 60_000)),
                LOSS, P99_US);
        assertEquals(0, k.lastGood());
        assertTrue(k.reason().contains("p99 60000 us > 50000 us"), k.reason());
    }

    @Test
    void notReachedWhenEveryStepHolds() {
        Knee k = Knee.find(List.of(Steps.step("1", 10, 1000, 1000, 2_000)), LOSS, P99_US);
        assertFalse(k.reached());
        assertEquals(0, k.lastGood());
    }

    @Test
    void brokenFromTheFirstStepOrNothingDelivered() {
        Knee k = Knee.find(List.of(Steps.step("1", 10, 1000, 0, 0)), LOSS, P99_US);
        assertEquals(-1, k.lastGood());
        assertTrue(k.reason().contains("nothing was delivered"));
    }
}
