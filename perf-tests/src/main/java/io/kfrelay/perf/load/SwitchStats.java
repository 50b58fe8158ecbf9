package io.kfrelay.perf.load;

import io.kfrelay.perf.report.LatencySummary;
import org.HdrHistogram.Recorder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The layer switches of a step, from every receiver's {@link LayerSwitcher} (any client thread; per switch, not per
 * packet). A switch belongs to the step whose window holds the moment its SUBSCRIBE was sent. Times are recorded in
 * microseconds: SUBSCRIBE to the last packet of the new layer's first complete keyframe, overall, by where that
 * keyframe came from (the relay's cache, or live from the publisher) and by the layer switched to; and SUBSCRIBE to
 * the LAYER message that announces the switch.
 */
public final class SwitchStats {
    private static final int STARTED = 0;
    private static final int COMPLETED = 1;
    private static final int TIMED_OUT = 2;
    private static final int OTHER_LAYER = 3;
    private static final int FROM_CACHE = 4;
    private static final int LIVE_AFTER_BROKEN_REPLAY = 5;
    private static final int LIVE_WITHOUT_REPLAY = 6;
    private static final int COUNTS = 7;
    /** Layers 0..2 (a source has at most three). */
    private static final int LAYERS = 3;

    private final MeasureWindow window;
    private final Recorder all = recorder();
    private final Recorder fromCache = recorder();
    private final Recorder live = recorder();
    private final Recorder toLayerMessage = recorder();
    private final Recorder[] byTargetLayer = {recorder(), recorder(), recorder()};
    private final AtomicLongArray counts = new AtomicLongArray(COUNTS);

    public SwitchStats(MeasureWindow window) {
        this.window = window;
    }

    private static Recorder recorder() {
        return new Recorder(1, ThreadTally.MAX_LATENCY_US, 3);
    }

    private static long us(long nanos) {
        return Math.max(0, Math.min(nanos / 1000, ThreadTally.MAX_LATENCY_US));
    }

    /** A SUBSCRIBE for another layer went out at {@code sentNanos}. */
    void started(long sentNanos) {
        if (window.contains(sentNanos)) {
            counts.incrementAndGet(STARTED);
        }
    }

    /**
     * The switch sent at {@code sentNanos} to {@code toLayer} is done: LAYER came {@code layerNanos} and the new
     * layer's first complete keyframe {@code keyframeNanos} after the SUBSCRIBE.
     */
    void completed(long sentNanos, long layerNanos, long keyframeNanos, int toLayer, KeyframeWatch.Source source) {
        if (!window.contains(sentNanos)) {
            return;
        }
        long us = us(keyframeNanos);
        all.recordValue(us);
        toLayerMessage.recordValue(us(layerNanos));
        (source == KeyframeWatch.Source.CACHE ? fromCache : live).recordValue(us);
        if (toLayer >= 0 && toLayer < LAYERS) {
            byTargetLayer[toLayer].recordValue(us);
        }
        counts.incrementAndGet(COMPLETED);
        counts.incrementAndGet(switch (source) {
            case CACHE -> FROM_CACHE;
            case LIVE_AFTER_BROKEN_REPLAY -> LIVE_AFTER_BROKEN_REPLAY;
            case LIVE_WITHOUT_REPLAY -> LIVE_WITHOUT_REPLAY;
        });
    }

    /** The switch sent at {@code sentNanos} was not done within the switcher's timeout. */
    void timedOut(long sentNanos) {
        if (window.contains(sentNanos)) {
            counts.incrementAndGet(TIMED_OUT);
        }
    }

    /** A LAYER that named another layer than the one asked for (or came when none was asked for). */
    void otherLayer() {
        counts.incrementAndGet(OTHER_LAYER);
    }

    /** Switches of the current window neither done nor timed out yet. */
    public long unresolved() {
        return counts.get(STARTED) - counts.get(COMPLETED) - counts.get(TIMED_OUT);
    }

    /** What the report shows for the step (times in ms), and starts afresh for the next one. */
    public Map<String, Object> take() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer_switch_ms", ms(all));
        m.put("layer_switch_from_cache_ms", ms(fromCache));
        m.put("layer_switch_live_ms", ms(live));
        for (int l = 0; l < LAYERS; l++) {
            m.put("layer_switch_to_layer_" + l + "_ms", ms(byTargetLayer[l]));
        }
        m.put("layer_switch_subscribe_to_layer_message_ms", ms(toLayerMessage));
        Map<String, Object> c = new LinkedHashMap<>();
        long[] n = new long[COUNTS];
        for (int i = 0; i < COUNTS; i++) {
            n[i] = counts.getAndSet(i, 0);
        }
        c.put("started", n[STARTED]);
        c.put("completed", n[COMPLETED]);
        c.put("from_cache", n[FROM_CACHE]);
        c.put("live_after_broken_replay", n[LIVE_AFTER_BROKEN_REPLAY]);
        c.put("live_without_replay", n[LIVE_WITHOUT_REPLAY]);
        c.put("timed_out", n[TIMED_OUT]);
        c.put("unresolved", n[STARTED] - n[COMPLETED] - n[TIMED_OUT]);
        c.put("other_layer_messages", n[OTHER_LAYER]);
        m.put("layer_switches", c);
        return m;
    }

    private static Map<String, Object> ms(Recorder r) {
        LatencySummary s = LatencySummary.of(r.getIntervalHistogram());
        return s == null ? null : s.scaled(1e-3).toJson();
    }
}
