package io.kfrelay.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed {@code /metrics} answer: every sample by its series as written, e.g.
 * {@code kfrelay_drops_total{reason="ring_full"}}.
 */
record Scrape(Map<String, Double> samples, Map<String, String> types) {

    static Scrape parse(String exposition) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)
                        .replace("+Inf", "Infinity")));
            }
        }
        return new Scrape(samples, types);
    }

    /** The value of one series; fails the test if the relay does not export it. */
    long value(String series) {
        Double v = samples.get(series);
        if (v == null) {
            throw new AssertionError("/metrics has no series " + series);
        }
        return Math.round(v);
    }
}
