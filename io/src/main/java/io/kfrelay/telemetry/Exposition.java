package io.kfrelay.telemetry;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One rendered scrape: its content type and text. {@code /metrics} answers in the Prometheus text format 0.0.4 unless
 * the scraper's {@code Accept} header asks for OpenMetrics ({@code application/openmetrics-text}), as Prometheus does
 * by default; both are written by the Prometheus Java client's own writers. Neither writes {@code _created} series
 * (the relay keeps no creation time per series).
 */
public record Exposition(String contentType, String text) {
    /** What the Prometheus text format is served as (the writer's own constant). */
    public static final String PROMETHEUS_TEXT = PrometheusTextFormatWriter.CONTENT_TYPE;
    /** What OpenMetrics is served as (the writer's own constant). */
    public static final String OPENMETRICS_TEXT = OpenMetricsTextFormatWriter.CONTENT_TYPE;

    private static final PrometheusTextFormatWriter PROMETHEUS = PrometheusTextFormatWriter.builder()
            .setIncludeCreatedTimestamps(false).build();
    private static final OpenMetricsTextFormatWriter OPENMETRICS = OpenMetricsTextFormatWriter.builder()
            .setCreatedTimestampsEnabled(false).build();

    /**
     * The writer for a request's {@code Accept} header: OpenMetrics if it names {@code application/openmetrics-text},
     * else the Prometheus text format (also for no header, any
     * type, or protobuf, which the relay does not serve).
     */
    static ExpositionFormatWriter writerFor(String accept) {
        return accept != null && OPENMETRICS.accepts(accept) ? OPENMETRICS : PROMETHEUS;
    }

    static Exposition render(MetricSnapshots snapshots, String accept) {
        ExpositionFormatWriter writer = writerFor(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try {
            writer.write(out, snapshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return new Exposition(writer.getContentType(), out.toString(StandardCharsets.UTF_8));
    }
}
