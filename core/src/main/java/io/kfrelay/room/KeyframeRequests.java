package io.kfrelay.room;

import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;

/**
 * Asks publishers for keyframes (KEYFRAME_REQUEST), at most once per stream per interval (a request inside the
 * interval is owed and goes out when it ends, unless a keyframe came meanwhile): joiners, receivers that
 * lost packets, caches whose GOP lost continuity and joiners moved forward all go through this one throttle, so
 * a publisher's keyframe rate has one bound whatever asks.
 *
 * <p>The interval backs off under sustained demand: when requests were throttled since the last one went out and the
 * demand has not paused (the last one went out less than two intervals ago), the next interval is twice as long, up
 * to {@value #MAX_BACKOFF} times the configured one; otherwise it is the configured interval again. In a large room every keyframe goes to everybody: a join storm, or
 * receivers that each lose a little, would otherwise ask for one every interval for as long as they keep asking, and
 * the keyframes themselves overload the receivers that then ask again.
 */
final class KeyframeRequests {
    /** The longest interval, in multiples of the configured one. */
    static final int MAX_BACKOFF = 8;

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
        if (s.keyframeRequested && now - s.lastKeyframeRequestNanos < s.keyframeRequestIntervalNanos) {
            stats.increment(Stat.KEYFRAME_REQUESTS_THROTTLED);
            s.keyframeRequestsThrottled = true;
            s.keyframeRequestOwed = true;
            return;
        }
        long current = Math.max(intervalNanos, s.keyframeRequestIntervalNanos);
        boolean sustained = s.keyframeRequested && s.keyframeRequestsThrottled
                && now - s.lastKeyframeRequestNanos <= 2 * current;
        s.keyframeRequestIntervalNanos = sustained ? Math.min(MAX_BACKOFF * intervalNanos, 2 * current) : intervalNanos;
        s.keyframeRequestsThrottled = false;
        s.keyframeRequestOwed = false;
        s.keyframeRequested = true;
        s.lastKeyframeRequestNanos = now;
        stats.increment(Stat.KEYFRAME_REQUESTS_SENT);
        egress.send(s.owner, control.keyframeRequest(s.owner.id, s.streamId));
    }

    /**
     * Every packet of a video stream (fan-out): a keyframe start pays what is owed (whoever asked since the last
     * request gets this keyframe); otherwise a request that was throttled goes out once the interval allows. A
     * throttled request is deferred, not dropped: an encoder that sends keyframes only when asked would otherwise
     * leave whoever asked inside the interval waiting for ever.
     */
    void onPacket(PublishedStream s, boolean keyframeStart, long now) {
        if (keyframeStart) {
            s.keyframeRequestOwed = false;
        } else if (now - s.lastKeyframeRequestNanos >= s.keyframeRequestIntervalNanos) {
            request(s, now);
        }
    }
}
