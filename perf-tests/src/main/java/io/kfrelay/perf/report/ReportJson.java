package io.kfrelay.perf.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.perf.os.CpuSample.ThreadLoad;
import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.load.SyntheticStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a run. Its key names are a contract (scripts and the lead's tables read them):
 * {@code egress_pps}, {@code egress_bytes_per_s}, {@code loss_ratio}, {@code latency_us} {p50,p99,p999,max},
 * {@code relay_cpu_us_per_egress_packet}, {@code late_join_ms} {p50,p99}, {@code gc_pause_ms} {total,max},
 * {@code relay_rss_bytes}, {@code offheap_cache_bytes}. They appear per step and, for the headline step, at the
 * top level ({@code gc_pause_ms} at the top level covers the whole run).
 *
 * <p>Written by Jackson ({@link JsonSupport}'s settings: maps in their iteration order, enums in lower case,
 * non-finite numbers as null) with the report's own layout: indented two spaces, one member per line, arrays of
 * numbers on one line; a double without a fraction as an integer, any other rounded to six significant digits.
 */
public final class ReportJson {
    public static final String SCHEMA = "kfrelay-perf/1";

    private static final ObjectWriter WRITER = JsonSupport.builder().addModule(reportNumbers()).build()
            .writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"))
                    .withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private ReportJson() {
    }

    /** The report's JSON text: {@code value} (from {@link #toMap}, or any part of it) and a newline. */
    public static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, Object> toMap(RunReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("scenario", r.scenario());
        m.put("description", r.description());
        m.put("transport", r.transport());
        m.put("quick", r.quick());
        m.put("started_at", r.startedAt().toString());
        m.put("wall_s", r.wallSeconds());
        StepResult h = r.headlineStep();
        m.put("headline_step", h == null ? null : h.label());
        if (h != null) {
            headline(m, h);
        }
        m.put("gc_pause_ms", gc(r.relayGc()));
        m.put("relay_peak_rss_bytes", r.relayPeakRssBytes());
        if (r.knee() != null) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("reached", r.knee().reached());
            k.put("last_good_step", r.knee().lastGood() >= 0 ? r.steps().get(r.knee().lastGood()).label() : null);
            k.put("first_bad_step", r.knee().firstBad() >= 0 ? r.steps().get(r.knee().firstBad()).label() : null);
            k.put("knee_egress_pps", r.knee().lastGood() >= 0 ? r.steps().get(r.knee().lastGood()).egressPps() : null);
            k.put("reason", r.knee().reason());
            m.put("knee", k);
        }
        List<Object> steps = new ArrayList<>();
        r.steps().forEach(s -> steps.add(step(s)));
        m.put("steps", steps);
        m.put("setup", r.setup());
        m.put("client_problems", r.clientProblems());
        m.put("notes", r.notes());
        return m;
    }

    private static void headline(Map<String, Object> m, StepResult h) {
        m.put("egress_pps", h.egressPps());
        m.put("egress_bytes_per_s", h.egressBytesPerSecond());
        m.put("loss_ratio", h.lossRatio());
        m.put("latency_us", h.latencyUs() == null ? null : h.latencyUs().toJson());
        m.put("relay_cpu_us_per_egress_packet", h.relayCpuUsPerEgressPacket());
        m.put("relay_cpu_basis", h.relayCpuBasis());
        m.put("late_join_ms", h.lateJoinUs() == null ? null : h.lateJoinUs().scaled(1e-3).toJson());
        m.put("relay_rss_bytes", h.relayRssBytes());
        m.put("offheap_cache_bytes", h.offheapCacheBytes());
        m.put("relay_cpu_cores", h.relayCpuCores());
        m.put("harness_cpu_cores", h.harnessCpuCores());
        m.put("receivers", h.receivers());
        m.put("egress_per_receiver", perReceiver(h));
        m.put("relay_egress_pps", h.relayEgressPps());
        m.put("relay_egress_bytes_per_s", h.relayEgressBytesPerSecond());
        if (h.scenarioResults() != null) {
            h.scenarioResults().forEach(m::putIfAbsent);
        }
    }

    private static Map<String, Object> perReceiver(StepResult s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pps", s.egressPpsPerReceiver());
        m.put("bytes_per_s", s.egressBytesPerSecondPerReceiver());
        return m;
    }

    public static Map<String, Object> step(StepResult s) {
        Map<String, Object> m = measured(s);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("label", s.label());
        // The scenario's parameters come first; one named like a measured key keeps both, the parameter prefixed.
        s.params().forEach((k, v) -> out.put(m.containsKey(k) || k.equals("label") ? "param_" + k : k, v));
        out.putAll(m);
        return out;
    }

    private static Map<String, Object> measured(StepResult s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("window_s", s.windowSeconds());
        m.put("offered_egress_pps", s.offeredEgressPps());
        m.put("egress_pps", s.egressPps());
        m.put("egress_bytes_per_s", s.egressBytesPerSecond());
        m.put("receivers", s.receivers());
        m.put("egress_per_receiver", perReceiver(s));
        m.put("expected_packets", s.expectedPackets());
        m.put("delivered_packets", s.deliveredPackets());
        m.put("loss_ratio", s.lossRatio());
        m.put("sequence_gaps", s.sequenceGaps());
        m.put("duplicates", s.duplicates());
        m.put("sequence_gaps_any_receiver", s.gapsAnyReceiver());
        m.put("latency_us", s.latencyUs() == null ? null : s.latencyUs().toJson());
        m.put("relay_cpu_us_per_egress_packet", s.relayCpuUsPerEgressPacket());
        m.put("relay_cpu_basis", s.relayCpuBasis());
        m.put("relay_cpu_us_per_delivered_packet", s.relayCpuUsPerDeliveredPacket());
        m.put("relay_egress_packets", s.relayEgressPackets());
        m.put("relay_egress_pps", s.relayEgressPps());
        m.put("relay_egress_bytes", s.relayEgressBytes());
        m.put("relay_egress_bytes_per_s", s.relayEgressBytesPerSecond());
        m.put("relay_cpu_cores", s.relayCpuCores());
        m.put("harness_cpu_cores", s.harnessCpuCores());
        m.put("machine_cpu_busy_ratio", s.machineBusyRatio());
        m.put("relay_runqueue_wait_per_cpu", s.relayRunqueueWaitPerCpu());
        m.put("relay_threads", threads(s.relayThreads()));
        m.put("harness_threads", threads(s.harnessThreads()));
        m.put("gc_pause_ms", gc(s.relayGc()));
        m.put("harness_gc_ms", s.harnessGcMs());
        m.put("relay_rss_bytes", s.relayRssBytes());
        m.put("offheap_cache_bytes", s.offheapCacheBytes());
        m.put("relay_metrics", s.relayMetrics());
        m.put("late_join_ms", s.lateJoinUs() == null ? null : s.lateJoinUs().scaled(1e-3).toJson());
        m.put("late_join_incomplete", s.lateJoinIncomplete());
        if (s.setupLateJoinUs() != null) {
            m.put("setup_late_join_ms", s.setupLateJoinUs().scaled(1e-3).toJson());
        }
        Map<String, Object> sources = new LinkedHashMap<>();
        s.lateJoinSources().forEach((k, v) -> sources.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        m.put("late_join_keyframe_source", sources);
        m.put("join_ms", s.joinUs() == null ? null : s.joinUs().scaled(1e-3).toJson());
        m.put("replayed_packets", s.replayedPackets());
        m.put("publisher_frames", publishers(s.publishers()));
        m.put("saturation_hint", SaturationHint.of(s));
        if (s.scenarioResults() != null) {
            s.scenarioResults().forEach(m::putIfAbsent);
        }
        return m;
    }

    private static Map<String, Object> gc(GcPauses.Summary g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", g.totalMs());
        m.put("max", g.maxMs());
        m.put("count", g.count());
        return m;
    }

    private static List<Object> threads(List<ThreadLoad> loads) {
        List<Object> l = new ArrayList<>();
        for (ThreadLoad t : loads) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("cpu_cores", t.cores());
            if (t.runqueueWaitRatio() != null) {
                m.put("runqueue_wait_ratio", t.runqueueWaitRatio());
            }
            l.add(m);
        }
        return l;
    }

    private static Map<String, Object> publishers(SyntheticStream.Counters c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("frames", c.frames());
        m.put("keyframes", c.keyframes());
        m.put("keyframes_requested_by_relay", c.requestedKeyframes());
        m.put("frames_skipped_unwritable", c.skippedUnwritable());
        m.put("frames_skipped_late", c.skippedLate());
        m.put("window_packets", c.windowPackets());
        return m;
    }

    /** The report's number format, and arrays of numbers kept on one line. */
    private static SimpleModule reportNumbers() {
        JsonSerializer<Number> number = new JsonSerializer<>() {
            @Override
            public void serialize(Number n, JsonGenerator g, SerializerProvider p) throws IOException {
                String text = number(n.doubleValue());
                if (text == null) {
                    g.writeNull();
                } else {
                    g.writeNumber(text);
                }
            }
        };
        JsonSerializer<Collection<?>> array = new JsonSerializer<>() {
            @Override
            public void serialize(Collection<?> c, JsonGenerator g, SerializerProvider p) throws IOException {
                if (!c.isEmpty() && c.stream().allMatch(x -> x == null || x instanceof Number)) {
                    List<String> items = new ArrayList<>();
                    for (Object x : c) {
                        String text = x instanceof Double || x instanceof Float ? number(((Number) x).doubleValue())
                                : x == null ? null : x.toString();
                        items.add(text == null ? "null" : text);
                    }
                    g.writeRawValue("[" + String.join(", ", items) + "]");
                    return;
                }
                g.writeStartArray(c, c.size());
                for (Object x : c) {
                    p.defaultSerializeValue(x, g);
                }
                g.writeEndArray();
            }
        };
        SimpleModule m = new SimpleModule("kfrelay-perf-report");
        m.addSerializer(Double.class, number);
        m.addSerializer(double.class, number);
        m.addSerializer(Float.class, number);
        m.addSerializer(float.class, number);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<Collection<?>> collection = (Class) Collection.class;
        m.addSerializer(collection, array);
        return m;
    }

    /** A double as the report writes it (whole numbers without a fraction, else 6 digits); null if not finite. */
    private static String number(double d) {
        if (!Double.isFinite(d)) {
            return null;
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        // Enough digits for any figure in the report, without binary noise like 0.30000000000000004.
        return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
