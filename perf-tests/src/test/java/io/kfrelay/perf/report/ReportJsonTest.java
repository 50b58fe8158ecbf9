package io.kfrelay.perf.report;

import com.fasterxml.jackson.core.type.TypeReference;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.scenario.Knee;
import io.kfrelay.perf.testing.Steps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key names are a contract: scripts read them. */
class ReportJsonTest {
    static final Set<String> CONTRACT = Set.of("egress_pps", "egress_bytes_per_s", "loss_ratio", "latency_us",
            "relay_cpu_us_per_egress_packet", "late_join_ms", "gc_pause_ms", "relay_rss_bytes", "offheap_cache_bytes");

    private static RunReport report(Knee knee) {
        List<StepResult> steps = List.of(Steps.step("subscribers=50", 50, 10_000, 9_900, 2_000),
                Steps.step("subscribers=100", 100, 20_000, 20_000, 4_000, 0.5, 25_000L));
        return new RunReport("large-room", "test", true, "ws", Instant.parse("2026-01-01T00:00:00Z"), 12.5,
                Map.of("machine", Map.of("cpus", 2)), steps, 1, knee, new GcPauses.Summary(4, 10, 3), 300L << 20,
                Map.of("errors", 0L), List.of("a note"));
    }

    @Test
    void topLevelCarriesTheContractKeysOfTheHeadlineStep() {
        Map<String, Object> m = ReportJson.toMap(report(null));
        assertEquals("kfrelay-perf/1", m.get("schema"));
        assertEquals("subscribers=100", m.get("headline_step"));
        assertTrue(m.keySet().containsAll(CONTRACT), "missing: " + CONTRACT.stream().filter(k -> !m.containsKey(k)).toList());
        assertEquals(10_000.0, (double) m.get("egress_pps"), 1e-9);
        assertEquals(0.0, (double) m.get("loss_ratio"), 1e-9);
        Map<?, ?> latency = (Map<?, ?>) m.get("latency_us");
        assertEquals(Set.of("p50", "p99", "p999", "max", "count"), latency.keySet());
        Map<?, ?> lateJoin = (Map<?, ?>) m.get("late_join_ms");
        assertEquals(80.0, (double) lateJoin.get("p50"), 1e-9, "late join in ms");
        Map<?, ?> gc = (Map<?, ?>) m.get("gc_pause_ms");
        assertEquals(10.0, gc.get("total"), "whole-run GC at the top level");
        assertEquals(3.0, gc.get("max"));
        // relay CPU 0.5 s over the relay's own 25,000 egress packets
        assertEquals(20.0, (double) m.get("relay_cpu_us_per_egress_packet"), 1e-9);
        assertEquals("relay_egress_counter", m.get("relay_cpu_basis"));
        assertNull(m.get("knee"));
    }

    @Test
    void everyStepCarriesTheContractKeysToo() {
        List<?> steps = (List<?>) ReportJson.toMap(report(null)).get("steps");
        assertEquals(2, steps.size());
        for (Object o : steps) {
            Map<?, ?> s = assertInstanceOf(Map.class, o);
            assertTrue(s.keySet().containsAll(CONTRACT), "step lacks " + CONTRACT.stream().filter(k -> !s.containsKey(k)).toList());
        }
        Map<?, ?> first = (Map<?, ?>) steps.getFirst();
        assertEquals(0.01, (double) first.get("loss_ratio"), 1e-9);
        assertEquals(50, first.get("subscribers"), "the scenario's parameters are inlined");
        assertEquals(1, first.get("publishers"), "and not overwritten by the report's own keys");
        Map<?, ?> sources = (Map<?, ?>) first.get("late_join_keyframe_source");
        assertEquals(48L, sources.get("cache"));
        assertEquals(2L, sources.get("live_after_broken_replay"));
        assertEquals(300L, ((Map<?, ?>) first.get("publisher_frames")).get("frames"));
        assertEquals("delivered_packets", first.get("relay_cpu_basis"), "no relay counter: delivered packets");
        // relay CPU 0.5 s over 9,900 delivered packets
        assertEquals(0.5e6 / 9_900, (double) first.get("relay_cpu_us_per_egress_packet"), 1e-9);
    }

    @Test
    void aParameterNamedLikeAMeasuredKeyIsKeptUnderAPrefix() {
        StepResult s = Steps.step("x", 10, 100, 100, 1_000);
        s.params().put("loss_ratio", "configured");
        Map<String, Object> m = ReportJson.step(s);
        assertEquals("configured", m.get("param_loss_ratio"));
        assertEquals(0.0, (double) m.get("loss_ratio"), 1e-9);
    }

    @Test
    void saturationReportsItsKnee() {
        Map<String, Object> m = ReportJson.toMap(report(new Knee(0, 1, "subscribers=100: p99 too high")));
        Map<?, ?> knee = (Map<?, ?>) m.get("knee");
        assertEquals(true, knee.get("reached"));
        assertEquals("subscribers=50", knee.get("last_good_step"));
        assertEquals("subscribers=100", knee.get("first_bad_step"));
        assertEquals(4_950.0, (double) knee.get("knee_egress_pps"), 1e-9);
    }

    @Test
    void egressIsAlsoGivenPerReceiverAndAsTheRelayCountedItAndAScenariosOwnFiguresJoinTheStep() {
        // 2-second step, 9,000 packets of 1,000 bytes delivered to 30 receivers; the relay wrote 10 MB.
        Map<String, Object> own = new java.util.LinkedHashMap<>();
        own.put("layer_switch_ms", Map.of("p50", 3.0, "p99", 40.0));
        own.put("loss_ratio", "not this one");
        StepResult s = Steps.step("receivers=30", 30, 9_000, 9_000, 1_000, 0.5, 10_000L, 30, 10_000_000L, own);
        Map<String, Object> m = ReportJson.step(s);
        assertEquals(30, m.get("receivers"));
        Map<?, ?> each = (Map<?, ?>) m.get("egress_per_receiver");
        assertEquals(150.0, (double) each.get("pps"), 1e-9);
        assertEquals(150_000.0, (double) each.get("bytes_per_s"), 1e-9);
        assertEquals(5_000_000.0, (double) m.get("relay_egress_bytes_per_s"), 1e-9);
        assertEquals(Map.of("p50", 3.0, "p99", 40.0), m.get("layer_switch_ms"));
        assertEquals(0.0, (double) m.get("loss_ratio"), 1e-9, "a scenario's figure never replaces a measured one");

        RunReport r = new RunReport("simulcast", "test", false, "ws", Instant.parse("2026-01-01T00:00:00Z"), 1,
                Map.of(), List.of(s), 0, null, new GcPauses.Summary(0, 0, 0), 1L, Map.of(), List.of());
        Map<String, Object> top = ReportJson.toMap(r);
        assertEquals(Map.of("p50", 3.0, "p99", 40.0), top.get("layer_switch_ms"), "at the top level too");
        assertEquals(5_000_000.0, (double) top.get("relay_egress_bytes_per_s"), 1e-9);
        assertTrue(HtmlReport.render(r, "{}", 2).contains("layer switch ms"));
    }

    @Test
    void theWholeReportSerializes() {
        String json = ReportJson.write(ReportJson.toMap(report(null)));
        assertTrue(json.startsWith("{\n  \"schema\": \"kfrelay-perf/1\""));
        assertTrue(json.contains("\"offheap_cache_bytes\": 203400"));
    }

    @Test
    void writesMapsInOrderWithEscapesAndNumbersInTheReportsLayout() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001 \u00b5s \uD83C\uDFA5");
        m.put("i", 42L);
        m.put("d", 0.1 + 0.2);
        m.put("whole", 3.0);
        m.put("nan", Double.NaN);
        m.put("inf", Float.POSITIVE_INFINITY);
        m.put("null", null);
        m.put("list", List.of(1, 2.5));
        m.put("objs", List.of(Map.of("k", true)));
        m.put("strings", List.of("a", "b"));
        m.put("empty", Map.of());
        m.put("none", List.of());
        m.put("mode", Transport.WS);
        assertEquals("""
                {
                  "s": "a\\"b\\\\c\\nd\\u0001 \u00b5s \uD83C\uDFA5",
                  "i": 42,
                  "d": 0.3,
                  "whole": 3,
                  "nan": null,
                  "inf": null,
                  "null": null,
                  "list": [1, 2.5],
                  "objs": [
                    {
                      "k": true
                    }
                  ],
                  "strings": [
                    "a",
                    "b"
                  ],
                  "empty": {},
                  "none": [],
                  "mode": "ws"
                }
                """, ReportJson.write(m));
    }

    enum Transport { WS }

    @Test
    void keepsSixSignificantDigitsAndNullsInLists() {
        assertEquals("[123457, 0.000123457, null]\n", ReportJson.write(Arrays.asList(123456.7, 0.0001234567, null)));
        assertEquals("[0.0000001, 1000000000000000]\n", ReportJson.write(List.of(1e-7, 1e15)), "never an exponent");
    }

    /** Every committed result reads as JSON of this schema, and writing what was read gives the same text back. */
    @Test
    void theCommittedResultsReadAndWriteBackUnchanged() throws IOException {
        String basedir = System.getProperty("basedir");
        Path results = Path.of(basedir != null ? basedir : System.getProperty("user.dir")).resolve("results");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(results)) {
            files = walk.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no results under " + results);
        for (Path f : files) {
            String text = Files.readString(f);
            Map<String, Object> read = JsonSupport.MAPPER.readValue(text, new TypeReference<Map<String, Object>>() {
            });
            assertEquals(ReportJson.SCHEMA, read.get("schema"), f.toString());
            assertEquals(text, ReportJson.write(read), f + " is not what the report writer writes");
        }
    }
}
