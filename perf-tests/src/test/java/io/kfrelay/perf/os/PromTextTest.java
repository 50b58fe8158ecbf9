package io.kfrelay.perf.os;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PromTextTest {
    private static final String TEXT = """
            # HELP kfrelay_egress_packets_total Media packets written to clients
            # TYPE kfrelay_egress_packets_total counter
            kfrelay_egress_packets_total{transport="ws"} 1500
            kfrelay_egress_packets_total{transport="quic"} 500
            kfrelay_drops_total{reason="a}b \\"quoted\\""} 3 1700000000000
            kfrelay_cache_capacity_bytes 499712
            kfrelay_cache_bytes 203400.0

            not_a_number NaNx
            """;

    @Test
    void sumsSamplesOverLabelSets() {
        Map<String, Double> m = PromText.parse(TEXT);
        assertEquals(2000.0, m.get("kfrelay_egress_packets_total"));
        assertEquals(3.0, m.get("kfrelay_drops_total"), "braces and quotes inside a label value");
        assertEquals(203400.0, m.get("kfrelay_cache_bytes"));
        assertNull(m.get("not_a_number"));
        assertEquals(1500.0, m.get("kfrelay_egress_packets_total{transport=\"ws\"}"), "each series too");
        assertEquals(500.0, m.get("kfrelay_egress_packets_total{transport=\"quic\"}"));
        assertEquals(3.0, m.get("kfrelay_drops_total{reason=\"a}b \\\"quoted\\\"\"}"));
        assertNull(m.get("kfrelay_cache_bytes{}"), "no labels, no series");
    }

    @Test
    void findsByNameParts() {
        Map<String, Double> m = PromText.parse(TEXT);
        assertEquals("kfrelay_cache_bytes", PromText.find(m, new String[]{"cache", "bytes"}, "capacity").getKey());
        assertNull(PromText.find(m, new String[]{"nothing"}));
    }

    @Test
    void relayMetricsViewTakesCounterIncreasesAndGaugesAtTheEnd() {
        Map<String, Double> before = PromText.parse("kfrelay_egress_packets_total 100\nkfrelay_cache_bytes 5\n");
        Map<String, Double> after = PromText.parse("kfrelay_egress_packets_total 350\nkfrelay_cache_bytes 9\n");
        Map<String, Object> v = RelayMetricsView.of(Optional.of(before), Optional.of(after));
        assertEquals(250L, v.get("egress_packets"));
        assertEquals(9L, v.get("cache_bytes"));
        assertNull(RelayMetricsView.of(Optional.empty(), Optional.of(after)));
        assertEquals(9L, RelayMetricsView.cacheBytes(after));
        assertEquals(350L, RelayMetricsView.egressPackets(after));
        assertEquals(1200L, RelayMetricsView.egressBytes(Map.of("kfrelay_egress_bytes_total", 1200.0,
                "kfrelay_core_egress_bytes_total", 1300.0)), "what went out on the wire first");
        assertEquals(1300L, RelayMetricsView.egressBytes(Map.of("kfrelay_core_egress_bytes_total", 1300.0)));
        assertNull(RelayMetricsView.egressBytes(Map.of()));
        assertEquals(7L, RelayMetricsView.cacheBytes(Map.of("other_cache_bytes_now", 7.0)), "looser match");
    }
}
