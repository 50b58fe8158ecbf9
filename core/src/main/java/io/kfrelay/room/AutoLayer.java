package io.kfrelay.room;

import io.kfrelay.config.AutoLayerSettings;

/**
 * The auto layer policy (settings and defaults: {@link AutoLayerSettings}): from a receiver's egress backlog, looked
 * at once per frame of the layer it gets, whether it should move down a layer, up a layer, or stay. The state it
 * keeps lives in the {@link SourceSubscription}; this class only decides, so it is tested on its own.
 *
 * <p>Down: the backlog has been above the down mark for {@code downAfter}, and is not smaller than when it went
 * above it (a backlog that shrinks below that reference starts the wait again, from there): a link that drains a
 * burst, or what a higher layer left queued, is catching up, not failing. After a move down the wait starts again
 * at the next look, from the backlog then, which includes the new layer's replay (the receiver's auto layer is not
 * looked at while a replay runs). Up: the backlog has stayed at or below the
 * up mark for the subscription's current wait; the wait starts at {@code upAfter} and doubles (to at most
 * {@link AutoLayerSettings#MAX_UP_AFTER_FACTOR} times) whenever a move up is followed by a move down within twice
 * the wait, and is back to {@code upAfter} once a move up has held that long.
 */
final class AutoLayer {
    static final long NEVER = Long.MIN_VALUE;

    enum Move { STAY, DOWN, UP }

    private final long downBytes;
    private final long upBytes;
    private final long upAfterNanos;
    private final long maxUpAfterNanos;
    private final long downAfterNanos;

    AutoLayer(AutoLayerSettings settings) {
        this.downBytes = settings.downBacklogBytes();
        this.upBytes = settings.upBacklogBytes();
        this.upAfterNanos = settings.upAfter().toNanos();
        this.maxUpAfterNanos = upAfterNanos * AutoLayerSettings.MAX_UP_AFTER_FACTOR;
        this.downAfterNanos = settings.downAfter().toNanos();
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
            if (s.overSinceNanos == NEVER || backlogBytes < s.backlogAtOver) {
                s.overSinceNanos = now; // went above the mark, or is draining: the wait starts (again) from here
                s.backlogAtOver = backlogBytes;
                return Move.STAY;
            }
            if (canDown && now - s.overSinceNanos >= downAfterNanos) {
                if (s.lastUpNanos != NEVER && now - s.lastUpNanos < 2 * s.upAfterNanos) {
                    s.upAfterNanos = Math.min(maxUpAfterNanos, 2 * s.upAfterNanos); // the move up did not hold
                }
                s.lastDownNanos = now;
                // The wait starts again at the next look, from the backlog then: what the higher layer left queued
                // drains first, and the switch itself may add a burst (the new layer's replay) before that look.
                s.overSinceNanos = NEVER;
                return Move.DOWN;
            }
            return Move.STAY;
        }
        s.overSinceNanos = NEVER;
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
