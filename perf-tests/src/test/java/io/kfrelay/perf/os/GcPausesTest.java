package io.kfrelay.perf.os;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GcPausesTest {

    @Test
    void countsPauseLinesOfEveryCollectorAndNothingElse() {
        List<String> log = List.of(
                "[0.003s][info][gc] Using G1",
                "[0.579s][info][gc,phases] GC(0)   Evacuate Collection Set: 38.72ms",
                "[0.579s][info][gc       ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 15M->4M(64M) 58.977ms",
                "[0.900s][info][gc       ] GC(1) Pause Remark 20M->20M(64M) 1.5ms",
                "[0.217s][info][gc,phases] GC(2) Y: Pause Mark Start (Major) 0.012ms",
                "[0.257s][info][gc,phases] GC(2) Y: Concurrent Mark 39.746ms",
                "[0.300s][info][gc] GC(2) Major Collection (Warmup) 12M(5%)->4M(2%) 0.041s",
                "[0.584s][info][gc] GC(3) Pause Init Mark (unload classes) 0.011ms");
        assertEquals(List.of(58.977, 1.5, 0.012, 0.011), GcPauses.parse(log));
    }

    @Test
    void summaryAddsUpAndFindsTheLongest() {
        GcPauses.Summary s = GcPauses.Summary.of(List.of(2.0, 7.5, 0.5));
        assertEquals(3, s.count());
        assertEquals(10.0, s.totalMs(), 1e-9);
        assertEquals(7.5, s.maxMs(), 1e-9);
        assertEquals(new GcPauses.Summary(0, 0, 0), GcPauses.Summary.of(List.of()));
    }

    @Test
    void theJvmOptionWritesWhatTheParserReads() {
        String opt = GcPauses.jvmOption(java.nio.file.Path.of("/tmp/x.log"));
        assertEquals("-Xlog:gc,gc+phases:file=/tmp/x.log:uptime,level,tags", opt);
    }
}
