package io.kfrelay.perf.load;

import io.kfrelay.perf.media.KeyframeDelay;

import java.util.random.RandomGenerator;

/**
 * Which frames of a synthetic video stream are keyframes, the way an encoder decides: one every
 * {@code framesPerGop} frames, and one at the first frame due at least the encoder delay after a keyframe request
 * (which starts a new GOP). A request while one is pending is served by that one. The first GOP can be shortened
 * ({@code phaseFrames}) so that streams started together do not send their periodic keyframes together. One thread
 * (the publisher's loop); no allocation.
 */
final class GopClock {
    private final KeyframeDelay delay;
    private final int phaseFrames;
    private int framesPerGop;
    /** Frames since the last keyframe; 0: the next frame is the periodic keyframe. */
    private int position;
    private boolean started;
    private boolean requested;
    private long requestDueNanos;

    GopClock(int framesPerGop, int phaseFrames, KeyframeDelay delay) {
        if (framesPerGop < 1 || phaseFrames < 0 || phaseFrames >= framesPerGop) {
            throw new IllegalArgumentException("a GOP of " + framesPerGop + " frames cannot be shortened by " + phaseFrames);
        }
        this.framesPerGop = framesPerGop;
        this.phaseFrames = phaseFrames;
        this.delay = delay;
    }

    /** The profile changed (from the next frame on). */
    void framesPerGop(int n) {
        framesPerGop = n;
        position %= n;
    }

    /** Whether the frame due at {@code now} is a keyframe; counts it. */
    boolean nextFrame(long now) {
        boolean key = position == 0 || requested && now - requestDueNanos >= 0;
        if (key) {
            requested = false;
            position = started ? 0 : phaseFrames;
        }
        started = true;
        position = (position + 1) % framesPerGop;
        return key;
    }

    /** Frames that were never made (the publisher's loop fell behind): the GOP moves on. */
    void skip(long frames) {
        position = (int) ((position + frames) % framesPerGop);
    }

    /** A KEYFRAME_REQUEST arrived at {@code now}; true if it asks for a keyframe (none was pending). */
    boolean request(long now, RandomGenerator random) {
        if (requested) {
            return false;
        }
        requested = true;
        requestDueNanos = now + delay.nextNanos(random);
        return true;
    }

    /** The keyframe about to go could not be sent whole: the very next frame must be one, with no delay. */
    void keyframeLost(long now) {
        requested = true;
        requestDueNanos = now;
    }
}
