package io.kfrelay.perf.scenario;

import io.kfrelay.perf.report.StepResult;

import java.util.List;

/**
 * Where the load broke: the first step whose loss ratio or p99 latency exceeds its limit, and the step before it
 * (the knee: the highest offered load the relay carried within the limits).
 *
 * @param lastGood  index of the knee step, or -1 if even the first step broke
 * @param firstBad  index of the first step past the limits, or -1 if none was
 * @param reason    why {@code firstBad} failed, or why there is no knee
 */
public record Knee(int lastGood, int firstBad, String reason) {

    /** Whether one step is within the limits; a step without latency samples (nothing delivered) is not. */
    public static String violation(StepResult r, double lossLimit, double p99LimitUs) {
        double loss = r.lossRatio();
        if (r.latencyUs() == null) {
            return "nothing was delivered";
        }
        if (!Double.isNaN(loss) && loss > lossLimit) {
            return String.format("loss %.4f > %.4f", loss, lossLimit);
        }
        if (r.latencyUs().p99() > p99LimitUs) {
            return String.format("p99 %.0f us > %.0f us", r.latencyUs().p99(), p99LimitUs);
        }
        return null;
    }

    public static Knee find(List<StepResult> steps, double lossLimit, double p99LimitUs) {
        for (int i = 0; i < steps.size(); i++) {
            String why = violation(steps.get(i), lossLimit, p99LimitUs);
            if (why != null) {
                return new Knee(i - 1, i, steps.get(i).label() + ": " + why);
            }
        }
        return new Knee(steps.size() - 1, -1, steps.isEmpty() ? "no steps were measured"
                : "not reached: every step stayed within the limits");
    }

    public boolean reached() {
        return firstBad >= 0;
    }
}
