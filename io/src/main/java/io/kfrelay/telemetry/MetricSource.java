package io.kfrelay.telemetry;

import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Something that contributes metrics to a scrape: the relay core, each transport, the JVM. A source reads the
 * counters it already has (scraping never touches a hot path) and writes them as samples; sources that write
 * the same metric name with different labels (e.g. one {@code transport} each) merge into one family.
 */
@FunctionalInterface
public interface MetricSource {

    void collect(MetricWriter out);

    /**
     * A counter per constant of a transport's (or gate's) own counter enum: constant {@code X_Y} becomes
     * {@code prefix + "x_y_total"}, its value {@code count.applyAsLong(X_Y)}.
     */
    static <E extends Enum<E>> MetricSource counters(String prefix, String help, Class<E> type, ToLongFunction<E> count,
                                                     String... labels) {
        E[] constants = type.getEnumConstants();
        return out -> {
            for (E c : constants) {
                String name = c.name().toLowerCase(Locale.ROOT);
                out.counter(prefix + name + "_total", help + " (" + name + ")", count.applyAsLong(c), labels);
            }
        };
    }

    /**
     * A counter per entry of a name → count map, e.g. a transport's own {@code snapshot()}: entry {@code "x"}
     * becomes {@code prefix + "x_total"} (dots and dashes in keys become underscores).
     */
    static MetricSource counters(String prefix, String help, Supplier<Map<String, Long>> counts, String... labels) {
        return out -> counts.get().forEach((key, value) -> out.counter(
                prefix + key.toLowerCase(Locale.ROOT).replace('.', '_').replace('-', '_') + "_total",
                help + " (" + key + ")", value, labels));
    }
}
