package io.kfrelay.perf.load;

/**
 * The measuring window, as an interval of send times: a packet counts (on both sides, publisher and
 * subscriber) exactly when the stamp it carries lies in [start, end). Deciding by send time rather than by
 * arrival makes "expected" and "delivered" count the same packets, however long the relay holds them.
 * Written by the harness thread, read per packet by the client threads (two volatile loads).
 */
public final class MeasureWindow {
    private volatile long start = Long.MAX_VALUE;
    private volatile long end = Long.MAX_VALUE;

    /** Packets stamped from {@code startNanos} on count. */
    public void open(long startNanos) {
        end = Long.MAX_VALUE;
        start = startNanos;
    }

    /** Packets stamped from {@code endNanos} on do not count. */
    public void close(long endNanos) {
        end = endNanos;
    }

    /** Nothing counts until the next {@link #open}. */
    public void reset() {
        start = Long.MAX_VALUE;
        end = Long.MAX_VALUE;
    }

    public boolean contains(long sentNanos) {
        // nanoTime values are compared by difference: they may be negative and are only ordered that way.
        long s = start;
        return s != Long.MAX_VALUE && sentNanos - s >= 0 && (end == Long.MAX_VALUE || end - sentNanos > 0);
    }
}
