package io.kfrelay.perf.load;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;

/**
 * Waits for the first <em>complete</em> keyframe of one video stream: a KEYFRAME|FRAME_START packet, then
 * consecutive sequence numbers of KEYFRAME packets up to FRAME_END, replayed or live, whichever comes first. A
 * keyframe with a hole (or a delta inside it) does not count; the watch looks at the breaking packet afresh, since
 * it may start the next keyframe. What a late join and a layer switch both end with. One I/O thread; no allocation.
 */
public final class KeyframeWatch {
    /** Where a first complete keyframe came from. */
    public enum Source {
        /** The relay's cache (replayed): what the cache is for. */
        CACHE,
        /** A live keyframe, after replayed keyframe packets arrived with a hole (dropped on the way). */
        LIVE_AFTER_BROKEN_REPLAY,
        /** A live keyframe, and no replayed keyframe start was seen at all. */
        LIVE_WITHOUT_REPLAY
    }

    private static final int WAITING = 0;
    private static final int IN_KEYFRAME = 1;
    private static final int DONE = 2;

    private int state;
    private long nextSequence;
    private boolean replayed;
    private boolean replayBroke;

    /** One packet of the watched stream; true if it completes the first complete keyframe (once). */
    public boolean onPacket(int flags, long sequence) {
        switch (state) {
            case IN_KEYFRAME -> {
                if ((flags & Protocol.FLAG_KEYFRAME) == 0 || MediaHeader.seqDelta(nextSequence, sequence) != 0) {
                    replayBroke |= replayed;
                    state = WAITING; // a hole or a delta: this keyframe is lost, look at this packet afresh
                    return startIfKeyframe(flags, sequence);
                }
                nextSequence = (sequence + 1) & 0xFFFF_FFFFL;
                if ((flags & Protocol.FLAG_FRAME_END) != 0) {
                    state = DONE;
                    return true;
                }
                return false;
            }
            case WAITING -> {
                return startIfKeyframe(flags, sequence);
            }
            default -> {
                return false; // DONE: later packets are none of our business
            }
        }
    }

    private boolean startIfKeyframe(int flags, long sequence) {
        int start = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
        if ((flags & start) != start) {
            return false;
        }
        replayed = (flags & Protocol.FLAG_REPLAY) != 0;
        if ((flags & Protocol.FLAG_FRAME_END) != 0) {
            state = DONE; // a one-packet keyframe
            return true;
        }
        state = IN_KEYFRAME;
        nextSequence = (sequence + 1) & 0xFFFF_FFFFL;
        return false;
    }

    public boolean done() {
        return state == DONE;
    }

    /** Where the completed keyframe came from; meaningful once {@link #done()}. */
    public Source source() {
        return replayed ? Source.CACHE : replayBroke ? Source.LIVE_AFTER_BROKEN_REPLAY : Source.LIVE_WITHOUT_REPLAY;
    }

    /** Waits afresh (another switch to the same stream). */
    public void reset() {
        state = WAITING;
        replayed = false;
        replayBroke = false;
    }
}
