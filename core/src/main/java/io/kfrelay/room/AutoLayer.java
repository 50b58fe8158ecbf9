package io.kfrelay.room;

import io.kfrelay.config.AutoLayerSettings;

/**
 * The auto layer policy (settings and defaults: {@link AutoLayerSettings}): from a receiver's egress backlog, looked
 * at once per frame of the layer it gets, whether it should move down a layer, up a layer, or stay. The state it
 * keeps lives in the {@link SourceSubscription}; this class only decides, so it is tested on its own.
 *
 * <p>Down: the backlog is above the down mark, and either this is the first move down or the last one is at least
 * {@code holdAfterSwitch} old and the backlog has grown since (what the higher layer left queued drains first).
 * Up: the backlog has stayed at or below the up mark for the subscription's current wait; the wait starts at
 * {@code upAfter} and doubles (to at most {@link AutoLayerSettings#MAX_UP_AFTER_FACTOR} times) whenever a move up is
 * followed by a move down within twice the wait, and is back to {@code upAfter} once a move up has held that long.
 */
final class AutoLayer {
    static final long NEVER = Long.MIN_VALUE;

    enum Move { STAY, DOWN, UP }

    private final long downBytes;
    private final long upBytes;
    private final long upAfterNanos;
    private final long maxUpAfterNanos;
    private final long holdNanos;

    AutoLayer(AutoLayerSettings settings) {
        this.downBytes = settings.downBacklogBytes();
        this.upBytes = settings.upBacklogBytes();
        this.upAfterNanos = settings.upAfter().toNanos();
        this.maxUpAfterNanos = upAfterNanos * AutoLayerSettings.MAX_UP_AFTER_FACTOR;
        this.holdNanos = settings.holdAfterSwitch().toNanos();
    }

    long initialUpAfterNanos() {
        return upAfterNanos;
    }

    /**
     * Looks at one receiver's backlog and updates the subscription's state.
     *
     * @param canDown a lower layer has started
     * @param canUp   the ceiling is below the source's top layer
     */
    Move decide(SourceSubscription s, long backlogBytes, long now, boolean canDown, boolean canUp) {
        if (backlogBytes > downBytes) {
            s.drainedSinceNanos = NEVER;
            boolean held = s.lastDownNanos == NEVER
                    || (now - s.lastDownNanos >= holdNanos && backlogBytes > s.backlogAtDown);
            if (canDown && held) {
                if (s.lastUpNanos != NEVER && now - s.lastUpNanos < 2 * s.upAfterNanos) {
                    s.upAfterNanos = Math.min(maxUpAfterNanos, 2 * s.upAfterNanos); // the move up did not hold
                }
                s.lastDownNanos = now;
                s.backlogAtDown = backlogBytes;
                return Move.DOWN;
            }
            return Move.STAY;
        }
        if (backlogBytes > upBytes) {
            s.drainedSinceNanos = NEVER;
            return Move.STAY;
        }
        if (s.lastUpNanos != NEVER && now - s.lastUpNanos >= 2 * s.upAfterNanos
                && (s.lastDownNanos == NEVER || s.lastDownNanos < s.lastUpNanos)) {
            s.upAfterNanos = upAfterNanos; // the last move up held
        }
        if (s.drainedSinceNanos == NEVER) {
            s.drainedSinceNanos = now;
            return Move.STAY;
        }
        if (canUp && now - s.drainedSinceNanos >= s.upAfterNanos) {
            s.lastUpNanos = now;
            s.drainedSinceNanos = now;
            return Move.UP;
        }
        return Move.STAY;
    }
}
