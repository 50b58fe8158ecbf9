package io.kfrelay.telemetry;

import io.kfrelay.metrics.Histogram;

/**
 * Where a {@link MetricSource} writes its samples. Names are complete Prometheus names starting with
 * {@code kfrelay_}; counters end in {@code _total}. Labels come as name, value pairs.
 */
public interface MetricWriter {

    /** A monotonically increasing count. */
    void counter(String name, String help, double value, String... labels);

    /** A value that goes up and down. */
    void gauge(String name, String help, double value, String... labels);

    /** A duration histogram, exported in seconds. */
    void histogram(String name, String help, Histogram.Snapshot snapshot, String... labels);
}
