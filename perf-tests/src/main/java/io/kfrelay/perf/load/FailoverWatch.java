package io.kfrelay.perf.load;

/**
 * A receiver's first picture after the room's origin was killed: the first complete keyframe ({@link LateJoinTracker},
 * timed from the kill) made of packets the publisher sent after the kill (their send stamps). Older packets do not
 * count: a keyframe in flight at the kill, or an edge's cached keyframe of the old session replayed to a receiver that
 * reconnected there, are pictures of the room as it was, not of the failed-over room. I/O thread only.
 */
public final class FailoverWatch {
    private final long sinceNanos;
    private final LateJoinTracker picture;

    /** @param sinceNanos the kill, as {@link System#nanoTime()}; {@code picture} times from it too */
    public FailoverWatch(long sinceNanos, LateJoinTracker picture) {
        this.sinceNanos = sinceNanos;
        this.picture = picture;
    }

    /** One video packet sent at {@code sentNanos}; true once the first picture after the kill is complete. */
    public boolean onVideo(long sentNanos, long senderId, int streamId, int flags, long sequence, long nowNanos) {
        if (sentNanos - sinceNanos < 0) {
            return false;
        }
        return picture.onVideo(senderId, streamId, flags, sequence, nowNanos);
    }

    public boolean done() {
        return picture.pending() == 0;
    }
}
