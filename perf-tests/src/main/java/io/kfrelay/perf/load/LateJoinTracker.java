package io.kfrelay.perf.load;

/**
 * Late-join time of one joiner: for each of the {@code streams} video streams it expects, the time from its
 * JOIN to the last packet of the first <em>complete</em> keyframe of that stream ({@link KeyframeWatch}). Runs on
 * the client's I/O thread; no allocation per packet (a few slots, linear search).
 */
public final class LateJoinTracker {

    /** Receives one sample per (joiner, stream). */
    @FunctionalInterface
    public interface Sink {
        void lateJoin(long nanos, KeyframeWatch.Source source);
    }

    private final long joinSentNanos;
    private final Sink sink;
    private final long[] keys;
    private final KeyframeWatch[] watches;
    private int known;
    private volatile int done; // read by the harness at the end of a step

    public LateJoinTracker(int streams, long joinSentNanos, Sink sink) {
        if (streams < 1) {
            throw new IllegalArgumentException("a late joiner waits for at least one stream");
        }
        this.joinSentNanos = joinSentNanos;
        this.sink = sink;
        this.keys = new long[streams];
        this.watches = new KeyframeWatch[streams];
        for (int i = 0; i < streams; i++) {
            watches[i] = new KeyframeWatch();
        }
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
        if (!watches[i].onPacket(flags, sequence)) {
            return false;
        }
        done = done + 1; // only the I/O thread writes
        sink.lateJoin(nowNanos - joinSentNanos, watches[i].source());
        return done == keys.length;
    }

    /** Expected streams still without a complete keyframe. */
    public int pending() {
        return keys.length - done;
    }
}
