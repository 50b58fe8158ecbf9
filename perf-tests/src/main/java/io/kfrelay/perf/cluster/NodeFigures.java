package io.kfrelay.perf.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One relay of the cascade over one window: its CPU (from /proc) against the media it wrote and received (from its
 * /metrics, the counters' increase over the window). The CPU per egress packet is comparable with a single relay's
 * {@code relay_cpu_us_per_egress_packet}; at the origin the egress includes the packets sent to its edges.
 *
 * @param node            node id
 * @param role            "origin" or "edge"
 * @param receivers       the harness's receivers served there during the window (late joiners not counted)
 * @param seconds         the window
 * @param cpuSeconds      CPU the relay's JVM used in it
 * @param egressPackets   {@code kfrelay_egress_packets_total} increase (all transports: clients and edge links)
 * @param egressBytes     {@code kfrelay_egress_bytes_total} increase
 * @param ingressPackets  {@code kfrelay_ingress_packets_total} increase (from the publisher)
 * @param cascadePackets  {@code kfrelay_cluster_cascade_packets_total} increase (from the origin over its link)
 * @param edgesServed     {@code kfrelay_cluster_edges_served} at the end (edge links joined to this origin)
 */
public record NodeFigures(String node, String role, int receivers, double seconds, double cpuSeconds,
                          Long egressPackets, Long egressBytes, Long ingressPackets, Long cascadePackets,
                          Long edgesServed, long rssBytes) {

    /** The increase of counter {@code name} from {@code before} to {@code after}, or null if either lacks it. */
    public static Long increase(Optional<Map<String, Double>> before, Optional<Map<String, Double>> after, String name) {
        if (before.isEmpty() || after.isEmpty()) {
            return null;
        }
        Double a = before.get().get(name);
        Double b = after.get().get(name);
        return a == null || b == null ? null : (long) (b - a);
    }

    /** Gauge {@code name} in {@code metrics}, or null. */
    public static Long gauge(Optional<Map<String, Double>> metrics, String name) {
        return metrics.map(m -> m.get(name)).map(Double::longValue).orElse(null);
    }

    public double cpuCores() {
        return seconds <= 0 ? 0 : cpuSeconds / seconds;
    }

    /** CPU microseconds per packet written, or null without the counter (or with nothing written). */
    public Double cpuUsPerEgressPacket() {
        return egressPackets == null || egressPackets == 0 ? null : cpuSeconds * 1e6 / egressPackets;
    }

    public Double egressPps() {
        return perSecond(egressPackets);
    }

    public Double egressBytesPerSecond() {
        return perSecond(egressBytes);
    }

    private Double perSecond(Long n) {
        return n == null || seconds <= 0 ? null : n / seconds;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", node);
        m.put("role", role);
        m.put("receivers", receivers);
        m.put("cpu_cores", cpuCores());
        m.put("cpu_us_per_egress_packet", cpuUsPerEgressPacket());
        m.put("egress_pps", egressPps());
        m.put("egress_bytes_per_s", egressBytesPerSecond());
        m.put("egress_packets", egressPackets);
        m.put("ingress_pps", perSecond(ingressPackets));
        m.put("cascade_in_pps", perSecond(cascadePackets));
        m.put("edges_served", edgesServed);
        m.put("rss_bytes", rssBytes);
        return m;
    }

    /** One line of the console. */
    public String line() {
        return String.format(java.util.Locale.ROOT, "    %s (%s): %d receivers, egress %,.0f pkt/s %.1f MB/s, "
                        + "cpu %.2f cores, %.1f us/egress pkt%s%s", node, role, receivers, orNaN(egressPps()),
                orNaN(egressBytesPerSecond()) / 1e6, cpuCores(), orNaN(cpuUsPerEgressPacket()),
                cascadePackets == null || cascadePackets == 0 ? "" : String.format(java.util.Locale.ROOT,
                        ", cascade in %,.0f pkt/s", orNaN(perSecond(cascadePackets))),
                edgesServed == null || edgesServed == 0 ? "" : ", edges served " + edgesServed);
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }
}
