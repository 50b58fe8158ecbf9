package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.load.LoadClient;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.media.MediaProfile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One publisher (2.5 Mbps 30 fps video with 200 KB keyframes, and audio) and N subscribers in one room; N steps
 * up. Each step's new subscribers join together while the stream runs (their late joins are the step's
 * {@code setup_late_join_ms}); during the window, late joiners join one at a time, evenly spread, and their times
 * are {@code late_join_ms}: what one participant joining a busy room sees. They stay unmeasured receivers until
 * the next step.
 */
public final class LargeRoom implements Scenario {
    static final List<Integer> FULL_STEPS = List.of(50, 100, 200, 500, 1000);
    static final List<Integer> QUICK_STEPS = List.of(50, 100);
    static final int LATE_JOINERS = 20;
    static final int QUICK_LATE_JOINERS = 5;
    /** Late joiners join within this share of the window, so their keyframes arrive inside it. */
    private static final double JOIN_SPREAD = 0.8;

    private Room room;
    private int subscribers;
    private List<LoadClient> lateJoiners = List.of();

    @Override
    public String name() {
        return "large-room";
    }

    @Override
    public String description() {
        return "1 publisher (2.5 Mbps 30 fps video, 200 KB keyframe every 4 s, 40 kbps audio), N subscribers in one "
                + "room; late joiners join one at a time during the window";
    }

    @Override
    public List<StepSpec> plan(PerfOptions o) {
        List<Integer> counts = o.subscribers() != null ? List.of(o.subscribers()) : o.quick() ? QUICK_STEPS : FULL_STEPS;
        return counts.stream()
                .map(n -> new StepSpec("subscribers=" + n, n, MediaProfile.LARGE_ROOM.videoBitsPerSecond(),
                        o.warmup(), o.window()))
                .toList();
    }

    static int lateJoiners(PerfOptions o) {
        return o.quick() ? QUICK_LATE_JOINERS : LATE_JOINERS;
    }

    @Override
    public void apply(StepSpec step, LoadRun run) throws Exception {
        if (room == null) {
            room = run.room("large-room");
            run.joinPublisher(room, "publisher", MediaProfile.LARGE_ROOM, 0, true);
            run.letFirstKeyframesSettle();
        }
        run.leave(room, lateJoiners); // the previous step's
        if (step.count() > subscribers) {
            run.joinMany(room, step.count() - subscribers, "sub-" + subscribers + "-", 1);
            subscribers = step.count();
        }
        lateJoiners = List.of();
    }

    @Override
    public boolean lateJoinInWindow() {
        return true;
    }

    @Override
    public void duringWindow(StepSpec step, LoadRun run) throws Exception {
        int n = lateJoiners(run.options());
        Duration spread = Duration.ofNanos((long) (step.window().toNanos() * JOIN_SPREAD));
        List<LoadClient> joined = new ArrayList<>(n);
        EvenSpacing.run(n, spread, i -> {
            // Connected just before its JOIN (a connection without JOIN is closed after --join-timeout); the
            // late-join clock starts at the JOIN.
            LoadClient c = run.connectLateJoiner("late-" + subscribers + "-" + i);
            c.setMeasured(false);
            joined.add(c);
            run.joinAsync(c, room, 1);
        });
        lateJoiners = joined;
    }

    @Override
    public Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subscribers", step.count());
        m.put("publishers", 1);
        m.put("rooms", 1);
        m.put("late_joiners", lateJoiners.size()); // joined one at a time during the window
        m.put("video_bps", step.videoBitsPerSecond());
        return m;
    }
}
