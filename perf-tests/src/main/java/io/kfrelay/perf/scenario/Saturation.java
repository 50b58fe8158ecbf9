package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.load.LoadClient;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.report.StepResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One publisher and a fixed fan-out; the publisher's video bitrate doubles step by step (more packets per
 * frame, 200 KB keyframes kept), so the relay's egress rate does too, until loss exceeds the limit or the p99
 * latency does. The knee is the last step within both.
 */
public final class Saturation implements Scenario {
    static final List<Long> FULL_BPS = List.of(1_000_000L, 2_000_000L, 4_000_000L, 8_000_000L, 16_000_000L,
            32_000_000L, 64_000_000L, 128_000_000L, 256_000_000L, 512_000_000L, 1_024_000_000L);
    static final List<Long> QUICK_BPS = List.of(2_500_000L, 10_000_000L, 40_000_000L);
    static final int FULL_SUBSCRIBERS = 50;
    static final int QUICK_SUBSCRIBERS = 20;

    private Room room;
    private LoadClient publisher;

    @Override
    public String name() {
        return "saturation";
    }

    @Override
    public String description() {
        return "1 publisher, a fixed number of subscribers; the video bitrate doubles each step until loss or p99 breaks";
    }

    @Override
    public List<StepSpec> plan(PerfOptions o) {
        int n = o.subscribers() != null ? o.subscribers() : o.quick() ? QUICK_SUBSCRIBERS : FULL_SUBSCRIBERS;
        return (o.quick() ? QUICK_BPS : FULL_BPS).stream()
                .map(bps -> new StepSpec("video=" + megabits(bps) + "Mbps", n, bps, o.warmup(), o.window()))
                .toList();
    }

    private static String megabits(long bps) {
        return bps % 1_000_000 == 0 ? Long.toString(bps / 1_000_000) : Double.toString(bps / 1e6);
    }

    @Override
    public void apply(StepSpec step, LoadRun run) throws Exception {
        MediaProfile profile = MediaProfile.LARGE_ROOM.withVideoBitsPerSecond(step.videoBitsPerSecond());
        if (room == null) {
            room = run.room("saturation");
            publisher = run.joinPublisher(room, "publisher", profile, 0, true);
            run.letFirstKeyframesSettle();
            run.joinMany(room, step.count(), "sub-", 1);
        } else {
            publisher.retarget(profile);
        }
    }

    @Override
    public Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subscribers", step.count());
        m.put("publishers", 1);
        m.put("video_bps", step.videoBitsPerSecond());
        return m;
    }

    @Override
    public boolean stopAfter(List<StepResult> done, PerfOptions o) {
        return Knee.find(done, o.lossLimit(), o.p99LimitMs() * 1000).reached();
    }

    @Override
    public int headline(List<StepResult> done, PerfOptions o) {
        return Math.max(0, Knee.find(done, o.lossLimit(), o.p99LimitMs() * 1000).lastGood());
    }
}
