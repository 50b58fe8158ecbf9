package io.kfrelay.telemetry;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link MetricFamily} lists (what the sources report) as the Prometheus client's {@link MetricSnapshots}.
 * <ul>
 *   <li>Counters: the client names a counter family without {@code _total} and its writers append it to the
 *   samples (and, in the Prometheus text format, to the family), so {@code kfrelay_joins_total} is given to it as
 *   {@code kfrelay_joins} and comes out as before.</li>
 *   <li>Histograms: the family's {@code _bucket} samples, grouped by their labels other than {@code le}, become
 *   classic buckets (the client wants per-bucket counts; sources report them cumulative), with {@code _sum}.</li>
 * </ul>
 * No data point carries a created timestamp, so no {@code _created} series is written.
 */
final class Snapshots {
    private static final String TOTAL = "_total";

    private Snapshots() {
    }

    static MetricSnapshots of(List<MetricFamily> families) {
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (MetricFamily f : families) {
            out.add(switch (f.type()) {
                case COUNTER -> counter(f);
                case GAUGE -> gauge(f);
                case HISTOGRAM -> histogram(f);
            });
        }
        return new MetricSnapshots(out);
    }

    /** The family name the client is given for a counter: without {@code _total} (its writers add it back). */
    static String counterBaseName(String name) {
        return name.endsWith(TOTAL) ? name.substring(0, name.length() - TOTAL.length()) : name;
    }

    private static CounterSnapshot counter(MetricFamily f) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(counterBaseName(f.name())).help(f.help());
        for (MetricFamily.Sample s : f.samples()) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels(s.labels(), false)).value(s.value()).build());
        }
        return b.build();
    }

    private static GaugeSnapshot gauge(MetricFamily f) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.name()).help(f.help());
        for (MetricFamily.Sample s : f.samples()) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(labels(s.labels(), false)).value(s.value()).build());
        }
        return b.build();
    }

    private static HistogramSnapshot histogram(MetricFamily f) {
        // One data point per label set (without le): its cumulative buckets in order, then _sum (and _count).
        Map<Labels, Point> points = new LinkedHashMap<>();
        for (MetricFamily.Sample s : f.samples()) {
            Labels labels = labels(s.labels(), true);
            Point p = points.computeIfAbsent(labels, l -> new Point());
            if (s.name().endsWith("_bucket")) {
                String le = s.label("le");
                p.bounds.add(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le));
                p.cumulative.add((long) s.value());
            } else if (s.name().endsWith("_sum")) {
                p.sum = s.value();
            }
        }
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(f.name()).help(f.help());
        points.forEach((labels, p) -> {
            double[] bounds = new double[p.bounds.size()];
            long[] counts = new long[bounds.length];
            long below = 0;
            for (int i = 0; i < bounds.length; i++) {
                bounds[i] = p.bounds.get(i);
                long cumulative = p.cumulative.get(i);
                counts[i] = cumulative - below; // per bucket, as the client wants them
                below = cumulative;
            }
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts)).sum(p.sum).build());
        });
        return b.build();
    }

    private static Labels labels(List<String> pairs, boolean withoutLe) {
        if (pairs.isEmpty()) {
            return Labels.EMPTY;
        }
        Labels.Builder b = Labels.builder();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            if (!(withoutLe && pairs.get(i).equals("le"))) {
                b.label(pairs.get(i), pairs.get(i + 1));
            }
        }
        return b.build();
    }

    private static final class Point {
        final List<Double> bounds = new ArrayList<>();
        final List<Long> cumulative = new ArrayList<>();
        double sum;
    }
}
