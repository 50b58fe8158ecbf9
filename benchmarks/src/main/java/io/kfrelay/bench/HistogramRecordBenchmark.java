package io.kfrelay.bench;

import io.kfrelay.metrics.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * What recording one duration costs: the relay's own {@link Histogram} (fixed buckets, an AtomicLongArray; what the
 * data path records into and /metrics reads at scrape time) against the Prometheus Java client's
 * {@code Histogram.observe}, classic buckets only (the same bounds) and its default (classic and native).
 * Single-threaded, and two threads on one histogram (two shards). Run with {@code -prof gc} for allocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HistogramRecordBenchmark extends BenchmarkDefaults {
    private static final double[] BOUNDS_SECONDS = {
            1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 1};

    @State(Scope.Benchmark)
    public static class Shared {
        final Histogram own = Histogram.relayLatency();
        final io.prometheus.metrics.core.metrics.Histogram classic = io.prometheus.metrics.core.metrics.Histogram
                .builder().name("bench_classic_seconds").help("x").classicUpperBounds(BOUNDS_SECONDS).classicOnly()
                .build();
        final io.prometheus.metrics.core.metrics.Histogram classicAndNative = io.prometheus.metrics.core.metrics
                .Histogram.builder().name("bench_both_seconds").help("x").classicUpperBounds(BOUNDS_SECONDS).build();
    }

    @State(Scope.Thread)
    public static class Values {
        private long x = 0x9E3779B97F4A7C15L;

        /** A duration of 1 µs .. ~1 ms, different each call (xorshift). */
        long nanos() {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            return 1_000 + (x & 0xFFFFF);
        }
    }

    @Benchmark
    public void own(Shared h, Values v) {
        h.own.record(v.nanos());
    }

    @Benchmark
    public void prometheusClassic(Shared h, Values v) {
        h.classic.observe(v.nanos() / 1e9);
    }

    @Benchmark
    public void prometheusClassicAndNative(Shared h, Values v) {
        h.classicAndNative.observe(v.nanos() / 1e9);
    }

    @Benchmark
    @Group("own2")
    @GroupThreads(2)
    public void ownTwoThreads(Shared h, Values v) {
        h.own.record(v.nanos());
    }

    @Benchmark
    @Group("prometheusClassic2")
    @GroupThreads(2)
    public void prometheusClassicTwoThreads(Shared h, Values v) {
        h.classic.observe(v.nanos() / 1e9);
    }
}
