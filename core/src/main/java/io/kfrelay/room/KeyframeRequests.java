package io.kfrelay.room;

import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;

/**
 * Asks publishers for keyframes (KEYFRAME_REQUEST), at most once per stream per interval: joiners, receivers that
 * lost packets, caches whose GOP lost continuity and joiners moved forward all go through this one throttle, so
 * a publisher's keyframe rate has one bound whatever asks.
 */
final class KeyframeRequests {
    private final Egress egress;
    private final ControlOut control;
    private final EnumCounters<Stat> stats;
    private final long intervalNanos;

    KeyframeRequests(Egress egress, ControlOut control, EnumCounters<Stat> stats, long intervalNanos) {
        this.egress = egress;
        this.control = control;
        this.stats = stats;
        this.intervalNanos = intervalNanos;
    }

    void request(PublishedStream s, long now) {
        if (!s.isVideo()) {
            return;
        }
        if (s.keyframeRequested && now - s.lastKeyframeRequestNanos < intervalNanos) {
            stats.increment(Stat.KEYFRAME_REQUESTS_THROTTLED);
            return;
        }
        s.keyframeRequested = true;
        s.lastKeyframeRequestNanos = now;
        stats.increment(Stat.KEYFRAME_REQUESTS_SENT);
        egress.send(s.owner, control.keyframeRequest(s.owner.id, s.streamId));
    }
}
