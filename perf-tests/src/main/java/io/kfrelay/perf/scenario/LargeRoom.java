package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.media.MediaProfile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One publisher (2.5 Mbps 30 fps video with 200 KB keyframes, and audio) and N subscribers in one room; N steps
 * up. Each step's new subscribers join while the stream runs, so they are late joiners too.
 */
public final class LargeRoom implements Scenario {
    static final List<Integer> FULL_STEPS = List.of(50, 100, 200, 500, 1000);
    static final List<Integer> QUICK_STEPS = List.of(50, 100);

    private Room room;

    @Override
    public String name() {
        return "large-room";
    }

    @Override
    public String description() {
        return "1 publisher (2.5 Mbps 30 fps video, 200 KB keyframe every 4 s, 40 kbps audio), N subscribers in one room";
    }

    @Override
    public List<StepSpec> plan(PerfOptions o) {
        List<Integer> counts = o.subscribers() != null ? List.of(o.subscribers()) : o.quick() ? QUICK_STEPS : FULL_STEPS;
        return counts.stream()
                .map(n -> new StepSpec("subscribers=" + n, n, MediaProfile.LARGE_ROOM.videoBitsPerSecond(),
                        o.warmup(), o.window()))
                .toList();
    }

    @Override
    public void apply(StepSpec step, LoadRun run) throws Exception {
        if (room == null) {
            room = run.room("large-room");
            run.joinPublisher(room, "publisher", MediaProfile.LARGE_ROOM, 0, true);
            run.letFirstKeyframesSettle();
        }
        int have = room.size() - 1;
        if (step.count() > have) {
            run.joinMany(room, step.count() - have, "sub-" + have + "-", 1);
        }
    }

    @Override
    public Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subscribers", step.count());
        m.put("publishers", 1);
        m.put("rooms", 1);
        m.put("video_bps", step.videoBitsPerSecond());
        return m;
    }
}
