package io.kfrelay.telemetry;

import java.util.List;

/** The Prometheus text exposition format, version 0.0.4: what {@code /metrics} answers. */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static String render(List<MetricFamily> families) {
        StringBuilder out = new StringBuilder(families.size() * 160);
        for (MetricFamily f : families) {
            out.append("# HELP ").append(f.name()).append(' ').append(escapeHelp(f.help())).append('\n');
            out.append("# TYPE ").append(f.name()).append(' ').append(f.type().word()).append('\n');
            for (MetricFamily.Sample s : f.samples()) {
                out.append(s.name());
                List<String> labels = s.labels();
                if (!labels.isEmpty()) {
                    out.append('{');
                    for (int i = 0; i < labels.size(); i += 2) {
                        if (i > 0) {
                            out.append(',');
                        }
                        out.append(labels.get(i)).append("=\"").append(escapeLabel(labels.get(i + 1))).append('"');
                    }
                    out.append('}');
                }
                out.append(' ').append(number(s.value())).append('\n');
            }
        }
        return out.toString();
    }

    /** Whole numbers without a fraction (counters are longs), others as Java prints doubles. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 9.007199254740992E15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
