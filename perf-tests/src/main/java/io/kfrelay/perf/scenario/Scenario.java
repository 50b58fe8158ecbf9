package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.report.StepResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A load shape. The harness asks for its {@link #plan}, then for every step calls {@link #apply} (set the load
 * up), waits the warm-up, opens the window, calls {@link #duringWindow}, closes the window and measures.
 */
public sealed interface Scenario permits LargeRoom, Meeting, JoinStorm, Saturation {

    String name();

    /** One line for the report. */
    String description();

    /** The steps to run, from the options alone (no I/O): unit-tested. */
    List<StepSpec> plan(PerfOptions o);

    /** Brings the load to what {@code step} describes, before its warm-up. */
    void apply(StepSpec step, LoadRun run) throws Exception;

    /** Runs right after the window opened (the join storm joins here). Must return before the window ends. */
    default void duringWindow(StepSpec step, LoadRun run) throws Exception {
    }

    /**
     * Whether this scenario's late joiners are the ones it joins inside the window ({@link #duringWindow}): then
     * {@code late_join_ms} is theirs alone, and the joins that set the step up are reported apart
     * ({@code setup_late_join_ms}). Otherwise every join of the step counts.
     */
    default boolean lateJoinInWindow() {
        return false;
    }

    /** {@code kfrelay serve} options this scenario needs (the user's own come after and win). */
    default List<String> relayArgs() {
        return List.of();
    }

    /** What the report lists as the step's parameters. */
    default Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", step.count());
        m.put("video_bps", step.videoBitsPerSecond());
        return m;
    }

    /** Whether to stop after the steps so far (saturation stops past the knee). */
    default boolean stopAfter(List<StepResult> done, PerfOptions o) {
        return false;
    }

    /** Which step's figures the report puts at the top level. */
    default int headline(List<StepResult> done, PerfOptions o) {
        return done.size() - 1;
    }

    static Scenario named(String name) {
        return switch (name) {
            case "large-room" -> new LargeRoom();
            case "meeting" -> new Meeting();
            case "join-storm" -> new JoinStorm();
            case "saturation" -> new Saturation();
            default -> throw new IllegalArgumentException("unknown scenario '" + name
                    + "'; known: large-room, meeting, join-storm, saturation");
        };
    }

    List<String> NAMES = List.of("large-room", "meeting", "join-storm", "saturation");
}
