package io.kfrelay.perf.media;

import io.kfrelay.perf.PerfOptions;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long a synthetic publisher's "encoder" takes to answer a KEYFRAME_REQUEST: the keyframe is the first frame
 * due at least a delay drawn uniformly from [{@code min}, {@code max}] after the request (so it leaves up to one
 * frame interval later still, as a real encoder's next captured frame would). {@link #NEXT_FRAME} (0) is the next
 * frame, what the harness always did. A request that comes while one is pending is served by the same keyframe.
 */
public record KeyframeDelay(Duration min, Duration max) {
    public static final KeyframeDelay NEXT_FRAME = new KeyframeDelay(Duration.ZERO, Duration.ZERO);

    public KeyframeDelay {
        if (min.isNegative() || max.compareTo(min) < 0 || max.toSeconds() > 10) {
            throw new IllegalArgumentException("--keyframe-delay must be 0..10s, MIN..MAX with MIN <= MAX, was "
                    + min.toMillis() + "ms.." + max.toMillis() + "ms");
        }
    }

    /** One draw, in nanoseconds. */
    public long nextNanos(RandomGenerator random) {
        long lo = min.toNanos();
        long hi = max.toNanos();
        return lo == hi ? lo : lo + random.nextLong(hi - lo + 1);
    }

    /** Parses {@code 50ms} (fixed) or {@code 30ms..100ms} (uniform); {@code 0} is the next frame. */
    public static KeyframeDelay parse(String text) {
        String[] parts = text.trim().split("\\.\\.", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("--keyframe-delay must be D or MIN..MAX (e.g. 30ms..100ms), was '" + text + "'");
        }
        Duration lo = PerfOptions.parseDuration(parts[0]);
        return new KeyframeDelay(lo, parts.length == 2 ? PerfOptions.parseDuration(parts[1]) : lo);
    }

    /** What the report says, in milliseconds: {@code [30, 100]}. */
    public java.util.List<Long> describeMillis() {
        return java.util.List.of(min.toMillis(), max.toMillis());
    }
}
