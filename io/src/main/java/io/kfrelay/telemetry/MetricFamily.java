package io.kfrelay.telemetry;

import java.util.List;

/** One metric name with its help text, type and every sample a scrape collected for it. */
public record MetricFamily(String name, String help, Type type, List<Sample> samples) {

    public enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        /** The word the Prometheus text format uses. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param name   the sample's name: the family name, or for histograms with {@code _bucket}, {@code _sum} or
     *               {@code _count}
     * @param labels name, value pairs
     */
    public record Sample(String name, List<String> labels, double value) {

        /** The value of label {@code label}, or null. */
        public String label(String label) {
            for (int i = 0; i + 1 < labels.size(); i += 2) {
                if (labels.get(i).equals(label)) {
                    return labels.get(i + 1);
                }
            }
            return null;
        }
    }

    /** Label names used by this family's samples (for the metrics reference), in first-seen order. */
    public List<String> labelNames() {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Sample s : samples) {
            for (int i = 0; i < s.labels().size(); i += 2) {
                if (!s.labels().get(i).equals("le")) {
                    names.add(s.labels().get(i));
                }
            }
        }
        return List.copyOf(names);
    }
}
