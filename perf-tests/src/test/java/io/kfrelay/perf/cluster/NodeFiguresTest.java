package io.kfrelay.perf.cluster;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NodeFiguresTest {

    @Test
    void countersAreTheirIncreaseOverTheWindowOrNullWithoutBothScrapes() {
        Optional<Map<String, Double>> before = Optional.of(Map.of("kfrelay_egress_packets_total", 1000.0));
        Optional<Map<String, Double>> after = Optional.of(Map.of("kfrelay_egress_packets_total", 21000.0,
                "kfrelay_cluster_edges_served", 2.0));
        assertEquals(20000L, NodeFigures.increase(before, after, "kfrelay_egress_packets_total"));
        assertNull(NodeFigures.increase(Optional.empty(), after, "kfrelay_egress_packets_total"), "the node was down");
        assertNull(NodeFigures.increase(before, after, "kfrelay_cluster_cascade_packets_total"), "no such counter");
        assertEquals(2L, NodeFigures.gauge(after, "kfrelay_cluster_edges_served"));
    }

    @Test
    void cpuPerEgressPacketIsCpuTimeOverPacketsWritten() {
        NodeFigures f = new NodeFigures("a", "origin", 4, 10, 0.5, 20_000L, 20_000_000L, 5_000L, null, 2L, 1 << 20);
        assertEquals(25.0, f.cpuUsPerEgressPacket(), 1e-9);
        assertEquals(0.05, f.cpuCores(), 1e-9);
        assertEquals(2000.0, f.egressPps(), 1e-9);
        assertEquals(2_000_000.0, f.egressBytesPerSecond(), 1e-9);
        assertEquals(500.0, (Double) f.toJson().get("ingress_pps"), 1e-9);
        NodeFigures idle = new NodeFigures("c", "edge", 0, 10, 0.1, 0L, 0L, 0L, 0L, null, 1 << 20);
        assertNull(idle.cpuUsPerEgressPacket(), "nothing written: no per-packet figure");
        assertNull(new NodeFigures("c", "edge", 0, 10, 0.1, null, null, null, null, null, 0).egressPps());
    }
}
