package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.load.LayerSwitcher;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.load.SwitchStats;
import io.kfrelay.perf.media.KeyframeDelay;
import io.kfrelay.perf.media.MediaProfile;
import io.kfrelay.perf.media.SimulcastProfile;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Layer switches. A few publishers in one room each send a 720p camera as one simulcast source of three layers
 * ({@link SimulcastProfile#CAMERA_720P}; each layer's periodic keyframes offset from the others'), and answer a
 * KEYFRAME_REQUEST after an encoder delay ({@link #ENCODER_DELAY} unless {@code --keyframe-delay} says). N receivers
 * join with MANUAL_SUBSCRIBE, subscribe to every camera at a random layer and then switch each camera to another
 * random layer, a random 2..5 s after its previous switch was done ({@link LayerSwitcher}). The figure is the switch
 * time: SUBSCRIBE to the last packet of the new layer's first complete keyframe, by where that keyframe came from
 * (the relay's cache, or live from the publisher: run once as is and once with {@code -- --keyframe-cap 4k}, which
 * caches nothing of these layers, to compare).
 */
public final class Simulcast implements Scenario {
    static final int PUBLISHERS = 4;
    static final int QUICK_PUBLISHERS = 2;
    static final int RECEIVERS = 20;
    static final int QUICK_RECEIVERS = 8;
    static final SimulcastProfile PROFILE = SimulcastProfile.CAMERA_720P;
    /** A switch is given up after the timeout: well past a GOP (4 s), so only a lost switch reaches it. */
    static final LayerSwitcher.Plan SWITCHES = new LayerSwitcher.Plan(Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    /**
     * A hardware or software encoder answering a keyframe request: the request reaches the capture pipeline, the
     * next frame is encoded as an IDR, which takes longer than a delta. 30..100 ms, plus the wait for the next
     * frame (up to 33 ms at 30 fps).
     */
    static final KeyframeDelay ENCODER_DELAY = new KeyframeDelay(Duration.ofMillis(30), Duration.ofMillis(100));
    /** The receivers' random layers and gaps are the same from run to run (their timing is not). */
    private static final long SEED = 13;

    private Room room;
    private int publishers;
    private int receivers;
    private SwitchStats stats;
    private final AtomicInteger nextReceiver = new AtomicInteger();

    @Override
    public String name() {
        return "simulcast";
    }

    @Override
    public String description() {
        return "publishers each sending a 720p camera as 3 simulcast layers (150 kbps / 8 KB keyframes, 500 kbps / "
                + "25 KB, 2.5 Mbps / 100 KB; 30 fps, a keyframe every 4 s per layer, not aligned); receivers subscribe "
                + "to every camera at a random layer and switch it to another random layer 2-5 s after the last "
                + "switch was done; switch time = SUBSCRIBE to the new layer's first complete keyframe";
    }

    static int publishers(PerfOptions o) {
        return o.quick() ? QUICK_PUBLISHERS : PUBLISHERS;
    }

    @Override
    public List<StepSpec> plan(PerfOptions o) {
        int n = o.subscribers() != null ? o.subscribers() : o.quick() ? QUICK_RECEIVERS : RECEIVERS;
        return List.of(new StepSpec("receivers=" + n, n, PROFILE.videoBitsPerSecond(), o.warmup(), o.window()));
    }

    @Override
    public KeyframeDelay defaultKeyframeDelay() {
        return ENCODER_DELAY;
    }

    @Override
    public boolean lossFromGaps() {
        return true;
    }

    @Override
    public void apply(StepSpec step, LoadRun run) throws Exception {
        if (room == null) {
            room = run.room("simulcast");
            stats = new SwitchStats(run.measureWindow());
            publishers = publishers(run.options());
            for (int p = 0; p < publishers; p++) {
                run.joinSimulcastPublisher(room, "camera-" + p, PROFILE);
            }
            run.letFirstKeyframesSettle();
        }
        if (step.count() > receivers) {
            run.joinMany(room, step.count() - receivers, "viewer-", 0, c -> c.switchLayers(SWITCHES,
                    new SplittableRandom(SEED * 1_000_003 + nextReceiver.getAndIncrement()), stats));
            receivers = step.count();
        }
    }

    /** The switches asked for in the window get until their timeout to finish, so slow ones count too. */
    @Override
    public void settle(StepSpec step, LoadRun run) {
        long deadline = System.nanoTime() + SWITCHES.timeout().toNanos();
        while (stats.unresolved() > 0 && System.nanoTime() - deadline < 0) {
            LoadRun.sleep(Duration.ofMillis(50));
        }
    }

    @Override
    public Map<String, Object> results(StepSpec step, LoadRun run, Optional<Map<String, Double>> metricsBefore,
                                       Optional<Map<String, Double>> metricsAfter) {
        Map<String, Object> m = stats.take();
        m.put("relay_layer_switches", relayLayerSwitches(metricsBefore, metricsAfter));
        return m;
    }

    /**
     * The relay's own count of layer switches over the window (every metric named {@code kfrelay_layer_switch*}, by
     * series), or null if it exports none.
     */
    static Map<String, Object> relayLayerSwitches(Optional<Map<String, Double>> before, Optional<Map<String, Double>> after) {
        if (before.isEmpty() || after.isEmpty()) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        after.get().forEach((name, value) -> {
            Double was = before.get().get(name);
            if (name.startsWith("kfrelay_layer_switch") && was != null) {
                m.put(name.substring("kfrelay_".length()), (long) (value - was));
            }
        });
        return m.isEmpty() ? null : m;
    }

    @Override
    public Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("receivers", step.count());
        m.put("publishers", publishers);
        m.put("rooms", 1);
        m.put("layers_bps", PROFILE.layers().stream().map(MediaProfile::videoBitsPerSecond).toList());
        m.put("layers_keyframe_bytes", PROFILE.layers().stream().map(MediaProfile::keyframeBytes).toList());
        m.put("switch_gap_ms", List.of(SWITCHES.minGap().toMillis(), SWITCHES.maxGap().toMillis()));
        m.put("video_bps", step.videoBitsPerSecond());
        return m;
    }
}
