package io.kfrelay.config;

import java.time.Duration;

/**
 * When the relay moves a receiver on a simulcast source's auto layer. Down one layer when the receiver's egress queue
 * (what its transport has not taken yet) has stayed above {@code downBacklogBytes} for {@code downAfter} without
 * getting smaller: a queue that shrinks is a link catching up (after a replay's burst, or with what a higher layer
 * left queued), not one that cannot carry the layer. Up one layer after the queue has stayed at or below
 * {@code upBacklogBytes} for {@code upAfter}. An up that is followed by a down within twice its wait doubles the next
 * wait, up to {@value #MAX_UP_AFTER_FACTOR} times {@code upAfter}, so a link that cannot carry the higher layer is not
 * probed at the same rate for ever.
 *
 * @param downBacklogBytes queued bytes above which the receiver may move down (well below the sink's own drop
 *                         limits, so it moves down before it loses anything)
 * @param upBacklogBytes   queued bytes at or below which the receiver counts as drained
 * @param upAfter          how long the receiver must stay drained before it moves up
 * @param downAfter        how long the queue must stay above the down mark, not shrinking, before it moves down
 */
public record AutoLayerSettings(long downBacklogBytes, long upBacklogBytes, Duration upAfter, Duration downAfter) {
    public static final long DEFAULT_DOWN_BACKLOG_BYTES = 256 * 1024;
    public static final long DEFAULT_UP_BACKLOG_BYTES = 16 * 1024;
    public static final Duration DEFAULT_UP_AFTER = Duration.ofSeconds(4);
    public static final Duration DEFAULT_DOWN_AFTER = Duration.ofSeconds(1);
    /** The longest wait before moving up, in multiples of {@code upAfter}. */
    public static final int MAX_UP_AFTER_FACTOR = 8;

    public AutoLayerSettings {
        if (downBacklogBytes < 16 * 1024) {
            throw new IllegalArgumentException("layer-down-backlog must be at least 16 KiB, was " + downBacklogBytes);
        }
        if (upBacklogBytes < 0 || upBacklogBytes >= downBacklogBytes) {
            throw new IllegalArgumentException("layer-up-backlog must be 0.." + (downBacklogBytes - 1)
                    + " (below layer-down-backlog), was " + upBacklogBytes);
        }
        if (upAfter == null || upAfter.isNegative() || upAfter.isZero()) {
            throw new IllegalArgumentException("layer-up-after must be positive");
        }
        if (downAfter == null || downAfter.isNegative()) {
            throw new IllegalArgumentException("layer-down-after must not be negative");
        }
    }

    public static AutoLayerSettings defaults() {
        return new AutoLayerSettings(DEFAULT_DOWN_BACKLOG_BYTES, DEFAULT_UP_BACKLOG_BYTES, DEFAULT_UP_AFTER,
                DEFAULT_DOWN_AFTER);
    }
}
