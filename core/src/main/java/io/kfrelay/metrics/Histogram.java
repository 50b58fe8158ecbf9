package io.kfrelay.metrics;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A duration histogram with fixed bucket bounds, for events that happen per replay, per join or per probe, or for
 * a sample of packets (never every packet). Recording is lock-free and allocates nothing, from any number of threads; readers take a
 * {@link Snapshot} (cumulative counts, as Prometheus wants them).
 */
public final class Histogram {
    /** Bounds that cover both a sub-millisecond event-loop hiccup and a slow multi-second replay. */
    private static final long[] LATENCY_BOUNDS_MICROS = {
            100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
            1_000_000, 2_500_000, 5_000_000, 10_000_000};

    /**
     * Late joins: from a JOIN to being live on a video stream, either a replay from the cache (milliseconds) or the
     * wait for the publisher's next keyframe (up to a GOP: seconds).
     */
    private static final long[] LATE_JOIN_BOUNDS_MILLIS = {
            5, 10, 25, 50, 100, 250, 500, 1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 30_000};
    /** The relay's own share of a packet's latency: a ring hop and a fan-out, microseconds unless it is queueing. */
    private static final long[] RELAY_LATENCY_BOUNDS_MICROS = {
            10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000};

    private final long[] upperBoundsNanos;
    /** One slot per bound, plus the last for everything above the largest bound. */
    private final AtomicLongArray counts;
    private final AtomicLong sumNanos = new AtomicLong();

    /** A histogram whose buckets end at the given bounds (ascending, positive). */
    public Histogram(long... upperBoundsNanos) {
        if (upperBoundsNanos.length == 0) {
            throw new IllegalArgumentException("a histogram needs at least one bucket bound");
        }
        for (int i = 0; i < upperBoundsNanos.length; i++) {
            if (upperBoundsNanos[i] <= 0 || (i > 0 && upperBoundsNanos[i] <= upperBoundsNanos[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must be positive and ascending: "
                        + Arrays.toString(upperBoundsNanos));
            }
        }
        this.upperBoundsNanos = upperBoundsNanos.clone();
        this.counts = new AtomicLongArray(upperBoundsNanos.length + 1);
    }

    /** Buckets from 100 µs to 10 s (1-2.5-5 steps). */
    public static Histogram latency() {
        return new Histogram(Arrays.stream(LATENCY_BOUNDS_MICROS).map(TimeUnit.MICROSECONDS::toNanos).toArray());
    }

    /** Buckets from 5 ms to 30 s, for JOIN-to-live times ({@code kfrelay_late_join_seconds}). */
    public static Histogram lateJoin() {
        return new Histogram(Arrays.stream(LATE_JOIN_BOUNDS_MILLIS).map(TimeUnit.MILLISECONDS::toNanos).toArray());
    }

    /** Buckets from 10 µs to 1 s, for the relay's added latency ({@code kfrelay_relay_latency_seconds}). */
    public static Histogram relayLatency() {
        return new Histogram(Arrays.stream(RELAY_LATENCY_BOUNDS_MICROS).map(TimeUnit.MICROSECONDS::toNanos).toArray());
    }

    /** Records one duration; negative durations (a clock that went backwards) count as zero. */
    public void record(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < upperBoundsNanos.length && n > upperBoundsNanos[i]) {
            i++;
        }
        counts.getAndIncrement(i);
        sumNanos.getAndAdd(n);
    }

    public Snapshot snapshot() {
        long[] cumulative = new long[counts.length()];
        long running = 0;
        for (int i = 0; i < cumulative.length; i++) {
            running += counts.get(i);
            cumulative[i] = running;
        }
        return new Snapshot(upperBoundsNanos.clone(), cumulative, sumNanos.get());
    }

    /**
     * @param upperBoundsNanos the finite bucket bounds
     * @param cumulativeCounts for each bound, the events at or below it; the last entry (one more than there
     *                         are bounds) is every event, the +Inf bucket
     * @param sumNanos         the sum of every recorded duration
     */
    public record Snapshot(long[] upperBoundsNanos, long[] cumulativeCounts, long sumNanos) {
        public long count() {
            return cumulativeCounts[cumulativeCounts.length - 1];
        }
    }
}
