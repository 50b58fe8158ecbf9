package io.kfrelay.perf.report;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Percentiles of a latency histogram recorded in microseconds. HdrHistogram keeps 3 significant digits, so
 * each figure is within 0.1% of the true value (reported as the highest value equivalent to it, i.e. never
 * flattering).
 */
public record LatencySummary(long count, double p50, double p99, double p999, double max) {

    /** Null for an empty histogram: there is nothing to summarize. */
    public static LatencySummary of(Histogram us) {
        if (us == null || us.getTotalCount() == 0) {
            return null;
        }
        return new LatencySummary(us.getTotalCount(), us.getValueAtPercentile(50), us.getValueAtPercentile(99),
                us.getValueAtPercentile(99.9), us.getMaxValue());
    }

    /** The same figures scaled (e.g. by 1e-3 for milliseconds). */
    public LatencySummary scaled(double factor) {
        return new LatencySummary(count, p50 * factor, p99 * factor, p999 * factor, max * factor);
    }

    /** {@code {"p50":..,"p99":..,"p999":..,"max":..,"count":..}} for the report. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", p50);
        m.put("p99", p99);
        m.put("p999", p999);
        m.put("max", max);
        m.put("count", count);
        return m;
    }
}
