package io.kfrelay.config;

import java.time.Duration;

/**
 * When the relay moves a receiver on a simulcast source's auto layer: down one layer when the receiver's egress
 * queue (what its transport has not taken yet) holds more than {@code downBacklogBytes}, and back up one layer after
 * the queue has stayed at or below {@code upBacklogBytes} for {@code upAfter}. An up that is followed by a down
 * within twice its wait doubles the next wait, up to {@value #MAX_UP_AFTER_FACTOR} times {@code upAfter}, so a link
 * that cannot carry the higher layer is not probed at the same rate for ever. After a down the relay waits
 * {@code holdAfterSwitch} (and for the queue to grow further) before it moves down again: the queue still holds
 * what the higher layer left in it.
 *
 * @param downBacklogBytes queued bytes above which the receiver moves down (below the sink's own drop limits, so
 *                         it moves down before it loses anything)
 * @param upBacklogBytes   queued bytes at or below which the receiver counts as drained
 * @param upAfter          how long the receiver must stay drained before it moves up
 * @param holdAfterSwitch  the least time between two moves down
 */
public record AutoLayerSettings(long downBacklogBytes, long upBacklogBytes, Duration upAfter, Duration holdAfterSwitch) {
    public static final long DEFAULT_DOWN_BACKLOG_BYTES = 256 * 1024;
    public static final long DEFAULT_UP_BACKLOG_BYTES = 16 * 1024;
    public static final Duration DEFAULT_UP_AFTER = Duration.ofSeconds(4);
    public static final Duration DEFAULT_HOLD_AFTER_SWITCH = Duration.ofSeconds(1);
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
        if (holdAfterSwitch == null || holdAfterSwitch.isNegative()) {
            throw new IllegalArgumentException("layer-hold must not be negative");
        }
    }

    public static AutoLayerSettings defaults() {
        return new AutoLayerSettings(DEFAULT_DOWN_BACKLOG_BYTES, DEFAULT_UP_BACKLOG_BYTES, DEFAULT_UP_AFTER,
                DEFAULT_HOLD_AFTER_SWITCH);
    }
}
