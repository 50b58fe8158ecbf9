package io.kfrelay.perf.os;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Prometheus text exposition format, read just enough to pick numbers: each sample line is
 * {@code name[{labels}] value [timestamp]}; samples of one name are summed over their label sets, and each labelled
 * sample is also kept under its series, {@code name{labels}} as written.
 */
public final class PromText {
    private PromText() {
    }

    /**
     * Metric name to the sum of its samples, and series ({@code name{labels}}) to its sample, in file order (a name
     * before its series). Comments, blank and unreadable lines are skipped.
     */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && !Character.isWhitespace(line.charAt(nameEnd))) {
                nameEnd++;
            }
            String name = line.substring(0, nameEnd);
            int rest = nameEnd;
            if (rest < line.length() && line.charAt(rest) == '{') {
                rest = closingBrace(line, rest);
                if (rest < 0) {
                    continue;
                }
                rest++;
            }
            String series = rest > nameEnd ? line.substring(0, rest) : null;
            String[] f = line.substring(rest).trim().split("\\s+");
            try {
                double v = Double.parseDouble(f[0]);
                sums.merge(name, v, Double::sum);
                if (series != null) {
                    sums.merge(series, v, Double::sum);
                }
            } catch (NumberFormatException e) {
                // NaN spelled differently or a malformed line: not a number we can use
            }
        }
        return sums;
    }

    /** Index of the '}' closing the label set opened at {@code open}, skipping quoted label values. */
    private static int closingBrace(String line, int open) {
        boolean quoted = false;
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The first metric whose name contains every one of {@code parts} and none of {@code excluded}; null if
     * none. Lets the harness find e.g. the cache gauge without depending on its exact name.
     */
    public static Map.Entry<String, Double> find(Map<String, Double> metrics, String[] parts, String... excluded) {
        outer:
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            for (String p : parts) {
                if (!e.getKey().contains(p)) {
                    continue outer;
                }
            }
            for (String x : excluded) {
                if (e.getKey().contains(x)) {
                    continue outer;
                }
            }
            return e;
        }
        return null;
    }
}
