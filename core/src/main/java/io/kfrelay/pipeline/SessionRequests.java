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

    private final PendingKeys keyframes;
    private final PendingKeys ends;
    private boolean scheduled;

    SessionRequests(int maxKeyframes, int maxEnds) {
        this.keyframes = new PendingKeys(maxKeyframes);
        this.ends = new PendingKeys(maxEnds);
    }

    static long keyframeKey(long senderId, int streamId) {
        return senderId << 16 | streamId;
    }

    synchronized Added addKeyframe(long key) {
        return add(keyframes, key);
    }

    synchronized Added addEnd(int streamId) {
        return add(ends, streamId);
    }

    private Added add(PendingKeys pending, long key) {
        if (pending.contains(key)) {
            return Added.COALESCED;
        }
        if (!pending.add(key)) {
            return Added.SHED;
        }
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
        return keyframes.takeAll().length;
    }

    /** Consumer: hands every pending request to {@code into} and clears them; the next request schedules anew. */
    void drainTo(Sink into) {
        long[] kf;
        long[] es;
        synchronized (this) {
            scheduled = false;
            kf = keyframes.takeAll();
            es = ends.takeAll();
        }
        for (long stream : es) {
            into.endStream((int) stream);
        }
        for (long key : kf) {
            into.keyframeRequest(key >>> 16, (int) (key & 0xFFFF));
        }
    }

    /** A small set of pending keys, at most {@code capacity}, in arrival order. */
    private static final class PendingKeys {
        private final long[] keys;
        private int count;

        PendingKeys(int capacity) {
            this.keys = new long[capacity];
        }

        boolean contains(long key) {
            for (int i = 0; i < count; i++) {
                if (keys[i] == key) {
                    return true;
                }
            }
            return false;
        }

        /** False when full. */
        boolean add(long key) {
            if (count == keys.length) {
                return false;
            }
            keys[count++] = key;
            return true;
        }

        long[] takeAll() {
            long[] taken = java.util.Arrays.copyOf(keys, count);
            count = 0;
            return taken;
        }
    }

    /** Where the consumer applies them. */
    interface Sink {
        void endStream(int streamId);

        void keyframeRequest(long senderId, int streamId);
    }
}
