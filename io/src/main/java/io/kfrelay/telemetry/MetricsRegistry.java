package io.kfrelay.telemetry;

import io.kfrelay.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Every {@link MetricSource} of one relay; a scrape asks each in registration order. Transports register their
 * own counters here ({@code server.telemetry().register(...)}), so an exporter never needs to know them.
 *
 * <p>The sources read the relay's own counters (the data path never sees the Prometheus client); this registry
 * turns what they report into the Prometheus Java client's snapshots, through one {@link MultiCollector} in a
 * {@link PrometheusRegistry} of its own, and the client's writers render them ({@link Exposition}).
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("kfrelay_[a-z0-9_]*[a-z0-9]");
    private static final Pattern LABEL = Pattern.compile("[a-z_][a-z0-9_]*");

    private final List<MetricSource> sources = new CopyOnWriteArrayList<>();
    private final PrometheusRegistry prometheus = new PrometheusRegistry();

    public MetricsRegistry() {
        prometheus.register((MultiCollector) () -> Snapshots.of(collect()));
    }

    public MetricsRegistry register(MetricSource source) {
        sources.add(Objects.requireNonNull(source, "source"));
        return this;
    }

    /**
     * Asks every source, merging samples of one name into one family (in first-seen order).
     *
     * @throws IllegalStateException if two sources disagree about a name's type, or a name or label is invalid
     */
    public List<MetricFamily> collect() {
        Collector c = new Collector();
        for (MetricSource s : sources) {
            s.collect(c);
        }
        List<MetricFamily> out = new ArrayList<>(c.families.size());
        c.families.values().forEach(f -> out.add(new MetricFamily(f.name, f.help, f.type, List.copyOf(f.samples))));
        return out;
    }

    /**
     * The Prometheus client's registry holding this one: for an exporter of the client's own (its HTTP server, a
     * push gateway), or to register the client's own metrics next to the relay's.
     */
    public PrometheusRegistry prometheus() {
        return prometheus;
    }

    /** The Prometheus text exposition (format 0.0.4) of everything registered. */
    public String scrape() {
        return scrape(null).text();
    }

    /**
     * Everything registered, in the format the scraper's {@code Accept} header asks for: OpenMetrics if it names
     * {@code application/openmetrics-text}, else the Prometheus text format.
     */
    public Exposition scrape(String accept) {
        MetricSnapshots snapshots = prometheus.scrape();
        return Exposition.render(snapshots, accept);
    }

    private static final class Builder {
        final String name;
        final String help;
        final MetricFamily.Type type;
        final List<MetricFamily.Sample> samples = new ArrayList<>();

        Builder(String name, String help, MetricFamily.Type type) {
            this.name = name;
            this.help = help;
            this.type = type;
        }
    }

    private static final class Collector implements MetricWriter {
        final Map<String, Builder> families = new LinkedHashMap<>();

        @Override
        public void counter(String name, String help, double value, String... labels) {
            if (!name.endsWith("_total")) {
                throw new IllegalStateException("counter names end in _total: " + name);
            }
            family(name, help, MetricFamily.Type.COUNTER).samples.add(sample(name, labels, value));
        }

        @Override
        public void gauge(String name, String help, double value, String... labels) {
            family(name, help, MetricFamily.Type.GAUGE).samples.add(sample(name, labels, value));
        }

        @Override
        public void histogram(String name, String help, Histogram.Snapshot snapshot, String... labels) {
            Builder f = family(name, help, MetricFamily.Type.HISTOGRAM);
            long[] bounds = snapshot.upperBoundsNanos();
            long[] counts = snapshot.cumulativeCounts();
            for (int i = 0; i < counts.length; i++) {
                String le = i < bounds.length ? seconds(bounds[i]) : "+Inf";
                f.samples.add(sample(name + "_bucket", with(labels, "le", le), counts[i]));
            }
            f.samples.add(sample(name + "_sum", labels, snapshot.sumNanos() / 1e9));
            f.samples.add(sample(name + "_count", labels, snapshot.count()));
        }

        private Builder family(String name, String help, MetricFamily.Type type) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalStateException("metric names are kfrelay_ and lower-case words: " + name);
            }
            Builder f = families.computeIfAbsent(name, n -> new Builder(n, help, type));
            if (f.type != type) {
                throw new IllegalStateException(name + " is both a " + f.type.word() + " and a " + type.word());
            }
            return f;
        }

        private static MetricFamily.Sample sample(String name, String[] labels, double value) {
            if (labels.length % 2 != 0) {
                throw new IllegalStateException(name + ": labels come in name, value pairs");
            }
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL.matcher(labels[i]).matches() || labels[i + 1] == null) {
                    throw new IllegalStateException(name + ": bad label " + labels[i] + "=" + labels[i + 1]);
                }
            }
            return new MetricFamily.Sample(name, List.of(labels), value);
        }

        private static String[] with(String[] labels, String name, String value) {
            String[] all = java.util.Arrays.copyOf(labels, labels.length + 2);
            all[labels.length] = name;
            all[labels.length + 1] = value;
            return all;
        }

        private static String seconds(long nanos) {
            return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
        }
    }
}
