package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.report.StepResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A load shape. The harness asks for its {@link #plan}, then for every step calls {@link #apply} (set the load
 * up), waits the warm-up, opens the window, calls {@link #duringWindow}, closes the window, waits for what is in
 * flight, calls {@link #settle} and measures ({@link #results} adds the scenario's own figures).
 */
public sealed interface Scenario permits LargeRoom, Meeting, JoinStorm, Saturation, Simulcast {

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

    /**
     * Runs after the window closed and the packets in flight arrived, before the step is read: a scenario waits here
     * for what it measures to finish (the simulcast switches asked for in the window). Must return within seconds.
     */
    default void settle(StepSpec step, LoadRun run) throws Exception {
    }

    /**
     * Figures of the step only this scenario has (its keys go into the step's report as they are), or null.
     * {@code metricsBefore} and {@code metricsAfter} are the relay's /metrics at the window's two ends, if any.
     */
    default Map<String, Object> results(StepSpec step, LoadRun run, Optional<Map<String, Double>> metricsBefore,
                                        Optional<Map<String, Double>> metricsAfter) {
        return null;
    }

    /**
     * Whether the step's expected packets are its delivered ones plus those missing from the receivers' sequences,
     * rather than what the publishers sent times their receivers: for receivers whose streams change during the
     * window (a simulcast layer at a time), where what they should get depends on when the relay switched them.
     */
    default boolean lossFromGaps() {
        return false;
    }

    /** How long this scenario's publishers take to answer a keyframe request unless {@code --keyframe-delay} says. */
    default KeyframeDelay defaultKeyframeDelay() {
        return KeyframeDelay.NEXT_FRAME;
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
            case "simulcast" -> new Simulcast();
            default -> throw new IllegalArgumentException("unknown scenario '" + name
                    + "'; known: large-room, meeting, join-storm, saturation, simulcast");
        };
    }

    List<String> NAMES = List.of("large-room", "meeting", "join-storm", "saturation", "simulcast");
}
