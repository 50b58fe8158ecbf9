package io.kfrelay.perf.load;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;

/**
 * Late-join time of one joiner: for each of the {@code streams} video streams it expects, the time from its
 * JOIN to the last packet of the first <em>complete</em> keyframe of that stream (a KEYFRAME|FRAME_START packet,
 * then consecutive sequence numbers up to FRAME_END; replayed or live, whichever comes first). A keyframe with a
 * hole does not count: the tracker waits for the next one. Runs on the client's I/O thread; no allocation per
 * packet (a few slots, linear search).
 */
public final class LateJoinTracker {
    /** Where a joiner's first complete keyframe of a stream came from. */
    public enum Source {
        /** The relay's cache (replayed): what the cache is for. */
        CACHE,
        /** A live keyframe, after replayed keyframe packets arrived with a hole (dropped on the way). */
        LIVE_AFTER_BROKEN_REPLAY,
        /** A live keyframe, and no replayed keyframe start was seen at all. */
        LIVE_WITHOUT_REPLAY
    }

    /** Receives one sample per (joiner, stream). */
    @FunctionalInterface
    public interface Sink {
        void lateJoin(long nanos, Source source);
    }

    private static final int WAITING = 0;
    private static final int IN_KEYFRAME = 1;
    private static final int DONE = 2;

    private final long joinSentNanos;
    private final Sink sink;
    private final long[] keys;
    private final int[] state;
    private final long[] nextSequence;
    private final boolean[] replayed;
    /** A replayed keyframe of that stream started and then broke. */
    private final boolean[] replayBroke;
    private int known;
    private volatile int done; // read by the harness at the end of a step

    public LateJoinTracker(int streams, long joinSentNanos, Sink sink) {
        if (streams < 1) {
            throw new IllegalArgumentException("a late joiner waits for at least one stream");
        }
        this.joinSentNanos = joinSentNanos;
        this.sink = sink;
        this.keys = new long[streams];
        this.state = new int[streams];
        this.nextSequence = new long[streams];
        this.replayed = new boolean[streams];
        this.replayBroke = new boolean[streams];
    }

    /**
     * One video packet.
     *
     * @return true once every expected stream has had its first complete keyframe (the tracker is finished)
     */
    public boolean onVideo(long senderId, int streamId, int flags, long sequence, long nowNanos) {
        long key = (senderId << 16) | streamId;
        int i = 0;
        while (i < known && keys[i] != key) {
            i++;
        }
        if (i == known) {
            if (known == keys.length) {
                return false; // a stream beyond the ones we wait for
            }
            keys[known++] = key;
        }
        boolean keyframe = (flags & Protocol.FLAG_KEYFRAME) != 0;
        switch (state[i]) {
            case IN_KEYFRAME -> {
                if (!keyframe || MediaHeader.seqDelta(nextSequence[i], sequence) != 0) {
                    replayBroke[i] |= replayed[i];
                    state[i] = WAITING; // a hole or a delta: this keyframe is lost, look at this packet afresh
                    return startIfKeyframe(i, flags, sequence, nowNanos);
                }
                nextSequence[i] = (sequence + 1) & 0xFFFF_FFFFL;
                if ((flags & Protocol.FLAG_FRAME_END) != 0) {
                    return complete(i, nowNanos);
                }
            }
            case WAITING -> {
                return startIfKeyframe(i, flags, sequence, nowNanos);
            }
            default -> {
                // DONE: later packets of this stream are none of our business
            }
        }
        return false;
    }

    private boolean startIfKeyframe(int i, int flags, long sequence, long nowNanos) {
        int start = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
        if ((flags & start) != start) {
            return false;
        }
        replayed[i] = (flags & Protocol.FLAG_REPLAY) != 0;
        if ((flags & Protocol.FLAG_FRAME_END) != 0) {
            return complete(i, nowNanos); // a one-packet keyframe
        }
        state[i] = IN_KEYFRAME;
        nextSequence[i] = (sequence + 1) & 0xFFFF_FFFFL;
        return false;
    }

    private boolean complete(int i, long nowNanos) {
        state[i] = DONE;
        done = done + 1; // only the I/O thread writes
        sink.lateJoin(nowNanos - joinSentNanos, replayed[i] ? Source.CACHE
                : replayBroke[i] ? Source.LIVE_AFTER_BROKEN_REPLAY : Source.LIVE_WITHOUT_REPLAY);
        return done == keys.length;
    }

    /** Expected streams still without a complete keyframe. */
    public int pending() {
        return keys.length - done;
    }
}
