package io.kfrelay.perf.os;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The few relay metrics the report uses, picked from two scrapes of its Prometheus endpoint by name. Exact names
 * first (those the admin server exports today), a looser match second, so a rename degrades to a guess rather
 * than to nothing.
 */
public final class RelayMetricsView {
    /** Counters reported as their increase over the window. */
    static final Map<String, String> COUNTERS = ordered(
            "egress_packets", "kfrelay_egress_packets_total",
            "egress_bytes", "kfrelay_egress_bytes_total",
            "core_egress_packets", "kfrelay_core_egress_packets_total",
            "core_egress_bytes", "kfrelay_core_egress_bytes_total",
            "ingress_packets", "kfrelay_ingress_packets_total",
            "drops", "kfrelay_drops_total",
            "sink_media_dropped", "kfrelay_transport_media_dropped_total",
            "sink_media_skipped", "kfrelay_transport_media_skipped_total",
            "slow_receivers_disconnected", "kfrelay_transport_slow_receivers_disconnected_total",
            "replays", "kfrelay_replays_total",
            "replays_skipped_forward", "kfrelay_replays_skipped_forward_total",
            "keyframe_requests_sent", "kfrelay_keyframe_requests_sent_total",
            "keyframe_requests_throttled", "kfrelay_keyframe_requests_throttled_total");
    /** Gauges reported as their value at the window's end. */
    static final Map<String, String> GAUGES = ordered(
            "cache_bytes", "kfrelay_cache_bytes",
            "cache_capacity_bytes", "kfrelay_cache_capacity_bytes",
            "netty_direct_memory_used_bytes", "kfrelay_netty_direct_memory_used_bytes",
            "connections_open", "kfrelay_connections_open");

    private RelayMetricsView() {
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Null unless both scrapes exist; otherwise the counters' increases and the gauges at {@code after}. */
    public static Map<String, Object> of(Optional<Map<String, Double>> before, Optional<Map<String, Double>> after) {
        if (before.isEmpty() || after.isEmpty()) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        COUNTERS.forEach((key, name) -> {
            Double a = before.get().get(name);
            Double b = after.get().get(name);
            if (a != null && b != null) {
                m.put(key, (long) (b - a));
            }
        });
        GAUGES.forEach((key, name) -> {
            Double v = after.get().get(name);
            if (v != null) {
                m.put(key, v.longValue());
            }
        });
        return m;
    }

    /** The off-heap cache gauge, or null. */
    public static Long cacheBytes(Map<String, Double> metrics) {
        Double exact = metrics.get("kfrelay_cache_bytes");
        if (exact != null) {
            return exact.longValue();
        }
        var e = PromText.find(metrics, new String[]{"cache", "bytes"}, "capacity", "replay");
        return e == null ? null : e.getValue().longValue();
    }

    /** Bytes of media the relay wrote to clients (all transports), else those its core handed to them; or null. */
    public static Long egressBytes(Map<String, Double> metrics) {
        Double v = metrics.get("kfrelay_egress_bytes_total");
        if (v == null) {
            v = metrics.get("kfrelay_core_egress_bytes_total");
        }
        return v == null ? null : v.longValue();
    }

    /** Media packets the relay wrote to clients (all transports), or null. */
    public static Long egressPackets(Map<String, Double> metrics) {
        Double exact = metrics.get("kfrelay_egress_packets_total");
        if (exact != null) {
            return exact.longValue();
        }
        var e = PromText.find(metrics, new String[]{"egress", "packets"}, "bytes", "drop");
        return e == null ? null : e.getValue().longValue();
    }
}
