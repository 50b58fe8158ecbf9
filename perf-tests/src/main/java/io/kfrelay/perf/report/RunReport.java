package io.kfrelay.perf.report;

import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.scenario.Knee;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything one run produced, for {@link ReportJson} and {@link HtmlReport}.
 *
 * @param headline  index into {@code steps} of the step whose figures go to the top level
 * @param knee      saturation only, else null
 * @param relayGc   the relay's GC pauses over the whole run
 * @param setup     run-level facts (machine, relay command, harness settings), already in report form
 * @param notes     what a reader should know (missing figures, client errors, saturation hints)
 */
public record RunReport(String scenario, String description, boolean quick, String transport, Instant startedAt,
                        double wallSeconds, Map<String, Object> setup, List<StepResult> steps, int headline, Knee knee,
                        GcPauses.Summary relayGc, long relayPeakRssBytes, Map<String, Object> clientProblems,
                        List<String> notes) {

    public StepResult headlineStep() {
        return steps.isEmpty() ? null : steps.get(headline);
    }
}
