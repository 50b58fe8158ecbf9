package io.kfrelay.perf.scenario;

import java.time.Duration;

/**
 * One planned step of a scenario: what it sets up and how long it is measured.
 *
 * @param label             names the step in the report ("subscribers=200", "video=8Mbps", "storm")
 * @param count             the scenario's size at this step: subscribers (large-room, saturation), participants
 *                          (meeting) or joiners (join-storm)
 * @param videoBitsPerSecond each publisher's video bitrate at this step
 */
public record StepSpec(String label, int count, long videoBitsPerSecond, Duration warmup, Duration window) {
    public StepSpec {
        if (count < 1) {
            throw new IllegalArgumentException("a step needs a positive size");
        }
        if (warmup.isNegative() || !window.isPositive()) {
            throw new IllegalArgumentException("a step needs a non-negative warm-up and a positive window");
        }
    }
}
