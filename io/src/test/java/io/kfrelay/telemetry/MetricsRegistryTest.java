package io.kfrelay.telemetry;

import io.kfrelay.metrics.Histogram;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Spec: sources that export the same metric (one per transport, say) merge into one family with one HELP and
 * TYPE; the text format escapes what it must; names are kfrelay_ names and counters end in _total. The text is the
 * Prometheus Java client's: families sorted by name, values as doubles ({@code 7.0}), a family's samples and
 * each sample's labels sorted.
 */
class MetricsRegistryTest {

    @Test
    void samplesOfOneNameFromSeveralSourcesFormOneFamily() {
        MetricsRegistry registry = new MetricsRegistry()
                .register(out -> out.counter("kfrelay_ingress_packets_total", "Packets in", 7, "transport", "ws"))
                .register(out -> out.gauge("kfrelay_rooms", "Rooms", 2))
                .register(out -> out.counter("kfrelay_ingress_packets_total", "Packets in", 3, "transport", "quic"));
        assertEquals("""
                # HELP kfrelay_ingress_packets_total Packets in
                # TYPE kfrelay_ingress_packets_total counter
                kfrelay_ingress_packets_total{transport="quic"} 3.0
                kfrelay_ingress_packets_total{transport="ws"} 7.0
                # HELP kfrelay_rooms Rooms
                # TYPE kfrelay_rooms gauge
                kfrelay_rooms 2.0
                """, registry.scrape());
    }

    @Test
    void histogramsAreCumulativeBucketsInSecondsWithSumAndCount() {
        Histogram h = new Histogram(1_000_000, 250_000_000); // 1 ms, 250 ms
        h.record(500_000);
        h.record(2_000_000_000L);
        String text = new MetricsRegistry().register(out -> out.histogram("kfrelay_replay_duration_seconds", "Replays",
                h.snapshot())).scrape();
        assertEquals("""
                # HELP kfrelay_replay_duration_seconds Replays
                # TYPE kfrelay_replay_duration_seconds histogram
                kfrelay_replay_duration_seconds_bucket{le="0.001"} 1
                kfrelay_replay_duration_seconds_bucket{le="0.25"} 1
                kfrelay_replay_duration_seconds_bucket{le="+Inf"} 2
                kfrelay_replay_duration_seconds_count 2
                kfrelay_replay_duration_seconds_sum 2.0005
                """, text);
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        String text = new MetricsRegistry().register(out -> out.gauge("kfrelay_x", "line\\one\nline two", 1.5,
                "room", "say \"hi\"\\\n")).scrape();
        assertEquals("""
                # HELP kfrelay_x line\\\\one\\nline two
                # TYPE kfrelay_x gauge
                kfrelay_x{room="say \\"hi\\"\\\\\\n"} 1.5
                """, text);
    }

    @Test
    void badNamesAndConflictingTypesAreRefused() {
        assertThrows(IllegalStateException.class,
                () -> new MetricsRegistry().register(out -> out.gauge("rooms", "no prefix", 1)).collect());
        assertThrows(IllegalStateException.class,
                () -> new MetricsRegistry().register(out -> out.counter("kfrelay_joins", "no _total", 1)).collect());
        assertThrows(IllegalStateException.class, () -> new MetricsRegistry()
                .register(out -> out.gauge("kfrelay_joins_total", "a gauge", 1))
                .register(out -> out.counter("kfrelay_joins_total", "a counter", 1)).collect());
        assertThrows(IllegalStateException.class,
                () -> new MetricsRegistry().register(out -> out.gauge("kfrelay_x", "odd labels", 1, "room")).collect());
    }

    @Test
    void aTransportsOwnCounterMapBecomesCounters() {
        String text = new MetricsRegistry().register(MetricSource.counters("kfrelay_quic_", "QUIC counter",
                () -> Map.of("datagrams_sent", 5L), "transport", "quic")).scrape();
        assertEquals("""
                # HELP kfrelay_quic_datagrams_sent_total QUIC counter (datagrams_sent)
                # TYPE kfrelay_quic_datagrams_sent_total counter
                kfrelay_quic_datagrams_sent_total{transport="quic"} 5.0
                """, text);
    }
}
