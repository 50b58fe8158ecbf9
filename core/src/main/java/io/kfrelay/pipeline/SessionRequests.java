package io.kfrelay.pipeline;

/**
 * A session's own requests that are not membership, coalesced: keyframe requests (by sender and stream), stream
 * ends (by stream) and subscription changes (by publisher and stream, the latest wins, in the order of the latest
 * ones). Each is kept once while pending, at most a fixed number of each, and one
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

    /** A pending subscription change's value for "unsubscribe" (a SUBSCRIBE's layer is 0..255). */
    static final int UNSUBSCRIBE = -1;

    private final PendingKeys keyframes;
    private final PendingKeys ends;
    private final PendingKeys subscriptions;
    private boolean scheduled;

    SessionRequests(int maxKeyframes, int maxEnds, int maxSubscriptionChanges) {
        this.keyframes = new PendingKeys(maxKeyframes);
        this.ends = new PendingKeys(maxEnds);
        this.subscriptions = new PendingKeys(maxSubscriptionChanges);
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

    /**
     * A SUBSCRIBE (its layer) or an UNSUBSCRIBE ({@link #UNSUBSCRIBE}) of one (publisher, stream): replaces the one
     * pending for it, if any. SHED means no room: nothing changed and the caller says so to the client.
     */
    synchronized Added addSubscription(long key, int layer) {
        return add(subscriptions, key, layer);
    }

    private Added add(PendingKeys pending, long key) {
        return add(pending, key, 0);
    }

    private Added add(PendingKeys pending, long key, int value) {
        if (pending.replace(key, value)) {
            return Added.COALESCED;
        }
        if (!pending.add(key, value)) {
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
     * asks again), stream ends and subscription changes stay pending for the next command. Returns the keyframe
     * requests dropped.
     */
    synchronized int unschedule() {
        scheduled = false;
        return keyframes.takeAll().length;
    }

    /**
     * After {@link #unschedule}: true when subscription changes are pending, which must not wait for the client's
     * next request; the caller then publishes a command the ring cannot refuse (marked scheduled here, so still
     * at most about one per session in the ring).
     */
    synchronized boolean rescheduleSubscriptions() {
        if (subscriptions.count == 0 || scheduled) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /** Consumer: hands every pending request to {@code into} and clears them; the next request schedules anew. */
    void drainTo(Sink into) {
        long[] kf;
        long[] es;
        long[] subs;
        int[] layers;
        synchronized (this) {
            scheduled = false;
            kf = keyframes.takeAll();
            es = ends.takeAll();
            layers = subscriptions.values();
            subs = subscriptions.takeAll();
        }
        for (long stream : es) {
            into.endStream((int) stream);
        }
        for (int i = 0; i < subs.length; i++) {
            long publisher = subs[i] >>> 16;
            int stream = (int) (subs[i] & 0xFFFF);
            if (layers[i] == UNSUBSCRIBE) {
                into.unsubscribe(publisher, stream);
            } else {
                into.subscribe(publisher, stream, layers[i]);
            }
        }
        for (long key : kf) {
            into.keyframeRequest(key >>> 16, (int) (key & 0xFFFF));
        }
    }

    /** A small set of pending keys with a value each, at most {@code capacity}, in arrival order. */
    private static final class PendingKeys {
        private final long[] keys;
        private final int[] values;
        private int count;

        PendingKeys(int capacity) {
            this.keys = new long[capacity];
            this.values = new int[capacity];
        }

        /**
         * If {@code key} is pending, gives it {@code value}, moves it last and returns true. Last, because it is now
         * the latest: a simulcast source answers to each of its stream ids, so a change naming one id must not be
         * applied before an older one naming another (the older would win).
         */
        boolean replace(long key, int value) {
            for (int i = 0; i < count; i++) {
                if (keys[i] == key) {
                    int after = count - i - 1;
                    System.arraycopy(keys, i + 1, keys, i, after);
                    System.arraycopy(values, i + 1, values, i, after);
                    keys[count - 1] = key;
                    values[count - 1] = value;
                    return true;
                }
            }
            return false;
        }

        /** False when full. */
        boolean add(long key, int value) {
            if (count == keys.length) {
                return false;
            }
            values[count] = value;
            keys[count++] = key;
            return true;
        }

        int[] values() {
            return java.util.Arrays.copyOf(values, count);
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

        void subscribe(long publisherId, int streamId, int layer);

        void unsubscribe(long publisherId, int streamId);
    }
}
