package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.load.LoadClient;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.media.MediaProfile;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A room with 4 active video streams (1 Mbps, 200 KB keyframes, and audio) and a few watchers; then J joiners,
 * already connected, send JOIN spread evenly over one second. Step "storm" measures the late-join times and what
 * the watchers and publishers (not the joiners) receive meanwhile; step "after-storm" measures everybody once it
 * has settled.
 */
public final class JoinStorm implements Scenario {
    static final int PUBLISHERS = 4;
    static final int FULL_JOINERS = 300;
    static final int QUICK_JOINERS = 100;
    static final Duration STORM = Duration.ofSeconds(1);

    private Room room;
    private List<LoadClient> joiners = List.of();
    private int watcherCount;

    @Override
    public String name() {
        return "join-storm";
    }

    @Override
    public String description() {
        return PUBLISHERS + " publishers (1 Mbps 30 fps video, 200 KB keyframe every 4 s, audio) and watchers; "
                + "then N joiners send JOIN within " + STORM.toMillis() + " ms";
    }

    static int watchers(boolean quick) {
        return quick ? 5 : 10;
    }

    @Override
    public List<StepSpec> plan(PerfOptions o) {
        int n = o.subscribers() != null ? o.subscribers() : o.quick() ? QUICK_JOINERS : FULL_JOINERS;
        long bps = MediaProfile.JOIN_STORM.videoBitsPerSecond();
        Duration settle = o.quick() ? Duration.ofSeconds(3) : Duration.ofSeconds(5);
        Duration warmup = o.quick() ? Duration.ofSeconds(2) : Duration.ofSeconds(4);
        return List.of(new StepSpec("storm", n, bps, warmup, STORM.plus(settle)),
                new StepSpec("after-storm", n, bps, o.warmup(), o.window()));
    }

    @Override
    public List<String> relayArgs() {
        // The joiners connect before the storm and must not be closed for not joining while they wait.
        return List.of("--join-timeout", "60s");
    }

    @Override
    public void apply(StepSpec step, LoadRun run) throws Exception {
        switch (step.label()) {
            case "storm" -> {
                room = run.room("storm");
                for (int p = 0; p < PUBLISHERS; p++) {
                    run.joinPublisher(room, "publisher-" + p, MediaProfile.JOIN_STORM, 0, true);
                }
                watcherCount = watchers(run.options().quick());
                run.joinMany(room, watcherCount, "watcher-", 0);
                joiners = run.connectMany(step.count(), "joiner-");
                joiners.forEach(j -> j.setMeasured(false));
            }
            case "after-storm" -> joiners.forEach(j -> j.setMeasured(true));
            default -> throw new IllegalArgumentException("unknown join-storm step " + step.label());
        }
    }

    @Override
    public void duringWindow(StepSpec step, LoadRun run) throws Exception {
        if (!step.label().equals("storm")) {
            return;
        }
        EvenSpacing.run(joiners.size(), STORM, i -> run.joinAsync(joiners.get(i), room, PUBLISHERS));
    }

    @Override
    public Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("joiners", step.count());
        m.put("publishers", PUBLISHERS);
        m.put("watchers", watcherCount);
        m.put("measured_receivers", step.label().equals("storm") ? "watchers and publishers (not the joiners)"
                : "everyone");
        m.put("storm_ms", STORM.toMillis());
        m.put("video_bps", step.videoBitsPerSecond());
        return m;
    }

    /** The storm step is the headline: it is the one with the late-join figures. */
    @Override
    public int headline(List<io.kfrelay.perf.report.StepResult> done, PerfOptions o) {
        return 0;
    }
}
