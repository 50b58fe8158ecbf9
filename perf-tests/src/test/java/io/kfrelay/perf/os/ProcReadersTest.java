package io.kfrelay.perf.os;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcReadersTest {

    // A real line's shape: pid (comm) state ppid ... utime(14) stime(15) ...
    private static final String STAT = "4242 (kfrelay-io (1) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
            + "1234 567 0 0 20 0 31 0 100 5000000 2000 18446744073709551615";

    @Test
    void statTakesUtimePlusStimeAndANameWithSpacesAndParentheses() {
        ProcStat s = ProcStat.parse(STAT);
        assertEquals("kfrelay-io (1) x", s.name());
        assertEquals(1234 + 567, s.ticks());
    }

    @Test
    void statRefusesWhatIsNotAStatLine() {
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("no parentheses here"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("1 (x) S 1 2"));
    }

    @Test
    void statReadsThisProcess() throws IOException {
        ProcStat self = ProcStat.read(ProcessHandle.current().pid());
        assertTrue(self.ticks() >= 0);
        assertTrue(!self.name().isEmpty());
    }

    @Test
    void statusGivesRssAndPeakInBytes() {
        ProcStatus s = ProcStatus.parse("Name:\tjava\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t40\n");
        assertEquals(102400L * 1024, s.rssBytes());
        assertEquals(204800L * 1024, s.peakRssBytes());
        assertEquals(-1, ProcStatus.parse("Name:\tkthreadd\n").rssBytes());
    }

    @Test
    void machineBusyIsEverythingButIdleAndIowait() {
        MachineStat a = MachineStat.parse("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n");
        MachineStat b = MachineStat.parse("cpu  400 0 150 1300 150 0 0 0 0 0\n");
        assertEquals(150, a.busyTicks());
        assertEquals(1000, a.totalTicks());
        // +400 busy of +1000 total
        assertEquals(0.4, b.busyRatioSince(a), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> MachineStat.parse("intr 1 2 3"));
    }

    @Test
    void cpuSampleTurnsTicksIntoCoresAndRanksThreads() {
        CpuSample before = new CpuSample(0, 100, Map.of(1L, new ProcStat("shard", 10), 2L, new ProcStat("io", 10)));
        CpuSample after = new CpuSample(2_000_000_000L, 300, Map.of(1L, new ProcStat("shard", 190),
                2L, new ProcStat("io", 30), 3L, new ProcStat("new", 4)));
        assertEquals(2.0, after.cpuSecondsSince(before, 100), 1e-9);
        assertEquals(1.0, after.coresSince(before, 100), 1e-9);
        List<CpuSample.ThreadLoad> top = after.threadsSince(before, 100, 2);
        assertEquals(List.of("shard", "io"), top.stream().map(CpuSample.ThreadLoad::name).toList());
        assertEquals(0.9, top.getFirst().cores(), 1e-9);
    }

    @Test
    void schedstatGivesEachThreadsRunQueueWaitAndTheProcessWaitPerCpuSecond() {
        assertEquals(new SchedStat(449171, 19268), SchedStat.parse("449171 19268 2\n"));
        assertThrows(IllegalArgumentException.class, () -> SchedStat.parse("12"));
        CpuSample before = new CpuSample(0, 100, Map.of(1L, new ProcStat("shard", 10), 2L, new ProcStat("io", 10)),
                Map.of(1L, new SchedStat(0, 0), 2L, new SchedStat(1_000, 0)));
        // over 2 s: shard ran 0.6 s and waited 0.2 s, io ran 0.2 s and waited 0.6 s
        CpuSample after = new CpuSample(2_000_000_000L, 300, Map.of(1L, new ProcStat("shard", 70),
                2L, new ProcStat("io", 30)),
                Map.of(1L, new SchedStat(600_000_000, 200_000_000), 2L, new SchedStat(200_001_000, 600_000_000)));
        List<CpuSample.ThreadLoad> top = after.threadsSince(before, 100, 2);
        assertEquals(0.1, top.getFirst().runqueueWaitRatio(), 1e-9, "shard: 0.2 s of 2 s");
        assertEquals(0.3, top.get(1).runqueueWaitRatio(), 1e-9, "io: 0.6 s of 2 s");
        assertEquals(1.0, after.runqueueWaitPerCpuSince(before), 1e-9, "0.8 s waiting for 0.8 s running");
        assertNull(new CpuSample(1, 1, Map.of()).runqueueWaitPerCpuSince(before), "no schedstats, no figure");
    }

    @Test
    void startupLineNamesTheBoundAddress() {
        String ws = "kfrelay serving ws://127.0.0.1:41234/kfrelay (transport io_uring, cache keyframe, 1 shard)";
        assertEquals("ws://127.0.0.1:41234/kfrelay", StartupLine.find(ws, "ws").orElseThrow().toString());
        assertTrue(StartupLine.find(ws, "quic").isEmpty());
        String quic = "kfrelay serving quic://127.0.0.1:4433 (ALPN kfrelay, self-signed certificate)";
        assertEquals("quic://127.0.0.1:4433", StartupLine.find(quic, "quic").orElseThrow().toString());
        assertTrue(StartupLine.find("kfrelay listening on ws://127.0.0.1:1/kfrelay", "ws").isEmpty(),
                "only the serving line counts");
    }
}
