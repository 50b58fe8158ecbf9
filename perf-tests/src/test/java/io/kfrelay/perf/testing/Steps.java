package io.kfrelay.perf.testing;

import io.kfrelay.perf.load.KeyframeWatch;
import io.kfrelay.perf.load.SyntheticStream;
import io.kfrelay.perf.os.CpuSample.ThreadLoad;
import io.kfrelay.perf.os.GcPauses;
import io.kfrelay.perf.report.LatencySummary;
import io.kfrelay.perf.report.StepResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Made-up step results for tests of what is computed from them. */
public final class Steps {
    private Steps() {
    }

    /** A 2-second step: {@code expected} offered, {@code delivered} delivered, latency p99 {@code p99Us}. */
    public static StepResult step(String label, int subscribers, long expected, long delivered, double p99Us) {
        return step(label, subscribers, expected, delivered, p99Us, 0.5, null);
    }

    public static StepResult step(String label, int subscribers, long expected, long delivered, double p99Us,
                                  double machineBusy, Long relayEgressPackets) {
        return step(label, subscribers, expected, delivered, p99Us, machineBusy, relayEgressPackets, subscribers, null,
                null);
    }

    /** With the receivers counted, the relay's egress bytes and a scenario's own figures. */
    public static StepResult step(String label, int subscribers, long expected, long delivered, double p99Us,
                                  double machineBusy, Long relayEgressPackets, int receivers, Long relayEgressBytes,
                                  Map<String, Object> scenarioResults) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("subscribers", subscribers);
        params.put("publishers", 1);
        LatencySummary latency = delivered == 0 ? null : new LatencySummary(delivered, p99Us / 4, p99Us, p99Us * 2, p99Us * 3);
        return new StepResult(label, params, subscribers, 2.0, expected, delivered, delivered * 1000, 10, 0, 0, 0,
                latency, 0.5, 0.25, 0.4, machineBusy,
                List.of(new ThreadLoad("kfrelay-shard-0", 0.2)), List.of(new ThreadLoad("perf-client-1-1", 0.3)),
                new GcPauses.Summary(2, 3.5, 2.5), 1.0, 200L << 20, 203_400L, relayEgressPackets, null,
                new LatencySummary(50, 80_000, 150_000, 150_000, 150_000), 1,
                Map.of(KeyframeWatch.Source.CACHE, 48L, KeyframeWatch.Source.LIVE_AFTER_BROKEN_REPLAY, 2L,
                        KeyframeWatch.Source.LIVE_WITHOUT_REPLAY, 0L),
                new LatencySummary(50, 5_000, 9_000, 9_000, 9_000),
                new SyntheticStream.Counters(300, 2, 1, 0, 0, 1000), null, 0.4, receivers, relayEgressBytes,
                scenarioResults);
    }
}
