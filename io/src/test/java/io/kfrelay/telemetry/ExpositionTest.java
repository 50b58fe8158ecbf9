package io.kfrelay.telemetry;

import io.kfrelay.metrics.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec: /metrics speaks the Prometheus text format unless the scraper asks for OpenMetrics, with the exact content
 * types of each; OpenMetrics names a counter family without {@code _total} (its samples keep it) and ends in
 * {@code # EOF}; a histogram's observations land in the right classic buckets in both.
 */
class ExpositionTest {
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** What Prometheus 3 sends by default. */
    static final String PROMETHEUS3_ACCEPT = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            + "text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

    private static MetricsRegistry registry() {
        return new MetricsRegistry().register(out -> {
            out.counter("kfrelay_joins_total", "JOINs accepted", 3);
            out.gauge("kfrelay_rooms", "Rooms open now", 1);
        });
    }

    @Test
    void theContentTypesAreExact() {
        assertEquals(PROMETHEUS, Exposition.PROMETHEUS_TEXT);
        assertEquals(OPENMETRICS, Exposition.OPENMETRICS_TEXT);
    }

    @Test
    void prometheusTextUnlessOpenMetricsIsAskedFor() {
        for (String accept : new String[]{null, "", "*/*", "text/plain", "text/plain; version=0.0.4",
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"}) {
            Exposition e = registry().scrape(accept);
            assertEquals(PROMETHEUS, e.contentType(), "Accept: " + accept);
            assertTrue(e.text().contains("# TYPE kfrelay_joins_total counter\nkfrelay_joins_total 3.0\n"), e.text());
            assertFalse(e.text().contains("# EOF"));
        }
        for (String accept : new String[]{"application/openmetrics-text", OPENMETRICS, PROMETHEUS3_ACCEPT,
                "text/plain;q=0.5, application/openmetrics-text; version=0.0.1"}) {
            Exposition e = registry().scrape(accept);
            assertEquals(OPENMETRICS, e.contentType(), "Accept: " + accept);
            assertTrue(e.text().contains("# TYPE kfrelay_joins counter\n# HELP kfrelay_joins JOINs accepted\n"
                    + "kfrelay_joins_total 3.0\n"), e.text());
            assertTrue(e.text().endsWith("# EOF\n"), e.text());
        }
    }

    @Test
    void anObservationEndsInItsBucketInBothFormats() {
        Histogram h = Histogram.latency();
        h.record(TimeUnit.MILLISECONDS.toNanos(30)); // in (25 ms, 50 ms]
        h.record(TimeUnit.MILLISECONDS.toNanos(50)); // a bound is inclusive: le="0.05"
        h.record(TimeUnit.SECONDS.toNanos(20));      // above the largest bound: only +Inf
        MetricsRegistry r = new MetricsRegistry().register(out -> out.histogram("kfrelay_late_join_seconds", "x",
                h.snapshot()));
        for (String accept : new String[]{null, OPENMETRICS}) {
            String text = r.scrape(accept).text();
            assertTrue(text.contains("# TYPE kfrelay_late_join_seconds histogram\n"), text);
            for (String line : List.of(
                    "kfrelay_late_join_seconds_bucket{le=\"0.025\"} 0",
                    "kfrelay_late_join_seconds_bucket{le=\"0.05\"} 2",
                    "kfrelay_late_join_seconds_bucket{le=\"10.0\"} 2",
                    "kfrelay_late_join_seconds_bucket{le=\"+Inf\"} 3",
                    "kfrelay_late_join_seconds_count 3",
                    "kfrelay_late_join_seconds_sum 20.08")) {
                assertTrue(text.contains(line + "\n"), line + " in\n" + text);
            }
        }
    }

    @Test
    void labelledHistogramsKeepOneDataPointPerLabelSet() {
        Histogram ws = Histogram.latency();
        Histogram quic = Histogram.latency();
        ws.record(TimeUnit.MICROSECONDS.toNanos(50));
        quic.record(TimeUnit.SECONDS.toNanos(1));
        quic.record(TimeUnit.SECONDS.toNanos(1));
        String text = new MetricsRegistry().register(out -> {
            out.histogram("kfrelay_x_seconds", "x", ws.snapshot(), "transport", "ws");
            out.histogram("kfrelay_x_seconds", "x", quic.snapshot(), "transport", "quic");
        }).scrape();
        assertTrue(text.contains("kfrelay_x_seconds_bucket{transport=\"ws\",le=\"1.0E-4\"} 1\n"), text);
        assertTrue(text.contains("kfrelay_x_seconds_count{transport=\"ws\"} 1\n"), text);
        assertTrue(text.contains("kfrelay_x_seconds_bucket{transport=\"quic\",le=\"0.5\"} 0\n"), text);
        assertTrue(text.contains("kfrelay_x_seconds_bucket{transport=\"quic\",le=\"1.0\"} 2\n"), text);
        assertTrue(text.contains("kfrelay_x_seconds_count{transport=\"quic\"} 2\n"), text);
    }
}
