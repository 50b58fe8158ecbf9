package io.kfrelay.pipeline;

/**
 * A session's own requests that are not membership, coalesced: keyframe requests (by sender and stream) and stream
 * ends (by stream). Each is kept once while pending, at most a fixed number of each, and one
 * {@link Command.Requests} in the ring carries all of them, so a client that sends thousands of requests a second
 * costs its shard one ring event per round trip of the consumer. Producers are the session's I/O thread; the
 * consumer takes them. Not a hot path: a plain monitor.
 */
final class SessionRequests {
    /** What became of one request. */
    enum Added {
        /** Pending, and no command carries the session's requests yet: the caller publishes one. */
        SCHEDULE,
        /** Pending; the command already in the ring will carry it. */
        PENDING,
        /** The same request was already pending. */
        COALESCED,
        /** No room for it. */
        SHED
    }

    private final long[] keyframes;
    private final int[] ends;
    private int keyframeCount;
    private int endCount;
    private boolean scheduled;

    SessionRequests(int maxKeyframes, int maxEnds) {
        this.keyframes = new long[maxKeyframes];
        this.ends = new int[maxEnds];
    }

    static long keyframeKey(long senderId, int streamId) {
        return senderId << 16 | streamId;
    }

    synchronized Added addKeyframe(long key) {
        for (int i = 0; i < keyframeCount; i++) {
            if (keyframes[i] == key) {
                return Added.COALESCED;
            }
        }
        if (keyframeCount == keyframes.length) {
            return Added.SHED;
        }
        keyframes[keyframeCount++] = key;
        return schedule();
    }

    synchronized Added addEnd(int streamId) {
        for (int i = 0; i < endCount; i++) {
            if (ends[i] == streamId) {
                return Added.COALESCED;
            }
        }
        if (endCount == ends.length) {
            return Added.SHED;
        }
        ends[endCount++] = streamId;
        return schedule();
    }

    private Added schedule() {
        if (scheduled) {
            return Added.PENDING;
        }
        scheduled = true;
        return Added.SCHEDULE;
    }

    /**
     * The command could not go into the ring (it is under pressure): keyframe requests are dropped (a receiver
     * asks again), stream ends stay pending for the next command. Returns the keyframe requests dropped.
     */
    synchronized int unschedule() {
        scheduled = false;
        int shed = keyframeCount;
        keyframeCount = 0;
        return shed;
    }

    /** Consumer: hands every pending request to {@code into} and clears them; the next request schedules anew. */
    void drainTo(Sink into) {
        long[] kf;
        int[] es;
        synchronized (this) {
            scheduled = false;
            if (keyframeCount == 0 && endCount == 0) {
                return;
            }
            kf = java.util.Arrays.copyOf(keyframes, keyframeCount);
            es = java.util.Arrays.copyOf(ends, endCount);
            keyframeCount = 0;
            endCount = 0;
        }
        for (int stream : es) {
            into.endStream(stream);
        }
        for (long key : kf) {
            into.keyframeRequest(key >>> 16, (int) (key & 0xFFFF));
        }
    }

    /** Where the consumer applies them. */
    interface Sink {
        void endStream(int streamId);

        void keyframeRequest(long senderId, int streamId);
    }
}
