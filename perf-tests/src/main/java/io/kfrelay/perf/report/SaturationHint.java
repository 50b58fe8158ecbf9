package io.kfrelay.perf.report;

import io.kfrelay.perf.os.CpuSample.ThreadLoad;

/**
 * A one-line guess at what limited a step, so a reader can tell the relay's limit from the harness's or the
 * machine's. Heuristic: a thread at (nearly) a whole core, or a machine with (nearly) no idle time.
 */
public final class SaturationHint {
    static final double FULL_THREAD = 0.9;
    static final double FULL_MACHINE = 0.9;

    private SaturationHint() {
    }

    /** Null when nothing looks saturated. */
    public static String of(StepResult s) {
        String relay = busiest(s.relayThreads());
        String harness = busiest(s.harnessThreads());
        if (s.machineBusyRatio() >= FULL_MACHINE) {
            return String.format("machine CPU %.0f%% busy (relay %.2f cores, harness %.2f cores): figures are "
                    + "machine-bound", s.machineBusyRatio() * 100, s.relayCpuCores(), s.harnessCpuCores());
        }
        if (relay != null) {
            return "relay thread " + relay + " is at a full core";
        }
        if (harness != null) {
            return "harness thread " + harness + " is at a full core: the harness may be the limit";
        }
        return null;
    }

    private static String busiest(java.util.List<ThreadLoad> threads) {
        return threads.isEmpty() || threads.getFirst().cores() < FULL_THREAD ? null
                : threads.getFirst().name() + String.format(" (%.2f)", threads.getFirst().cores());
    }
}
