package io.kfrelay.perf.load;

/**
 * A receiver's first picture after its relay lost the room's origin: the first complete keyframe
 * ({@link LateJoinTracker}, timed from the kill) of a publisher that is not the one it received before. The old
 * publisher's id is excluded because its packets still in flight at the kill (a keyframe being fanned out) are not a
 * picture of the failed-over room; a receiver that reconnected to another relay ({@link #reconnected}) gets only the
 * new session's packets, whose ids are that relay's own (and may equal the old one by chance). I/O thread only.
 */
public final class FailoverWatch {
    private static final long NONE = Long.MIN_VALUE;

    private long staleSender;
    private final LateJoinTracker picture;

    /**
     * @param staleSender the participant id the receiver got video from before the kill, or
     *                    {@link Long#MIN_VALUE} for none
     */
    public FailoverWatch(long staleSender, LateJoinTracker picture) {
        this.staleSender = staleSender;
        this.picture = picture;
    }

    public static long none() {
        return NONE;
    }

    /** The receiver's session moved to another relay: everything from now on is of the new session. */
    public void reconnected() {
        staleSender = NONE;
    }

    /** One video packet; true once the first picture after the kill is complete (then the watch is done). */
    public boolean onVideo(long senderId, int streamId, int flags, long sequence, long nowNanos) {
        if (senderId == staleSender) {
            return false;
        }
        return picture.onVideo(senderId, streamId, flags, sequence, nowNanos);
    }

    public boolean done() {
        return picture.pending() == 0;
    }
}
