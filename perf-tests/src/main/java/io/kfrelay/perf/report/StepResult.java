package io.kfrelay.perf.report;

import io.kfrelay.perf.load.KeyframeWatch;
import io.kfrelay.perf.load.SyntheticStream;
import io.kfrelay.perf.os.CpuSample.ThreadLoad;
import io.kfrelay.perf.os.GcPauses;

import java.util.List;
import java.util.Map;

/**
 * What one measured step found. Raw counts are kept; rates and ratios are derived from them, so the JSON and
 * the HTML always agree.
 *
 * @param params            what the step set up (subscribers, rooms, bitrate, ...), in report order
 * @param subscribers       receivers per published stream in the window, for the "against subscribers" chart
 * @param expectedPackets   packets the publishers sent in the window times their measured receivers
 * @param deliveredPackets  of those, packets that reached a receiver (by the end of the drain)
 * @param sequenceGaps      live packets missing in receivers' sequences (dropped by the relay for them)
 * @param duplicates        live packets received twice or out of order (should be 0)
 * @param gapsAnyReceiver   live packets missing for any receiver, measured or not, from the window's start to
 *                          the end of the drain (e.g. joiners during a storm)
 * @param relayCpuSeconds   the relay process's CPU time (user + system) over the window
 * @param relayEgressPackets the relay's own egress counter over the window, if it exposes /metrics; else null
 * @param offheapCacheBytes the relay's cache gauge at the end of the window, if it exposes /metrics; else null
 * @param relayMetrics      a few of the relay's own counters over the window (deltas) and gauges (at its end),
 *                          if it exposes /metrics; else null
 * @param lateJoinUs        late-join times of the joins made for this step (us), or null if none; for scenarios that
 *                          join late joiners inside the window ({@code Scenario#lateJoinInWindow}) only those
 * @param lateJoinIncomplete joiners of this step still missing a complete keyframe of some stream at its end
 * @param lateJoinSources   late-join samples by where their first complete keyframe came from
 * @param joinUs            JOIN to JOINED of those joins (us), or null
 * @param relayRunqueueWaitPerCpu the relay's threads' time waiting for a CPU per time running (schedstat), or null
 * @param setupLateJoinUs   for scenarios that join late joiners inside the window, the late-join times of the
 *                          joins that set the step up (e.g. a large room's new subscribers joining together); else null
 * @param receivers         measured clients that received at least one packet of the window
 * @param relayEgressBytes  the relay's own egress byte counter over the window, if it exposes /metrics; else null
 * @param scenarioResults   figures only the step's scenario has (e.g. simulcast's layer switches), or null
 */
public record StepResult(String label, Map<String, Object> params, int subscribers, double windowSeconds,
                         long expectedPackets, long deliveredPackets, long deliveredBytes, long replayedPackets,
                         long sequenceGaps, long duplicates, long gapsAnyReceiver,
                         LatencySummary latencyUs,
                         double relayCpuSeconds, double relayCpuCores, double harnessCpuCores, double machineBusyRatio,
                         List<ThreadLoad> relayThreads, List<ThreadLoad> harnessThreads,
                         GcPauses.Summary relayGc, double harnessGcMs,
                         long relayRssBytes, Long offheapCacheBytes, Long relayEgressPackets,
                         Map<String, Object> relayMetrics,
                         LatencySummary lateJoinUs, int lateJoinIncomplete,
                         Map<KeyframeWatch.Source, Long> lateJoinSources, LatencySummary joinUs,
                         SyntheticStream.Counters publishers, LatencySummary setupLateJoinUs,
                         Double relayRunqueueWaitPerCpu, int receivers, Long relayEgressBytes,
                         Map<String, Object> scenarioResults) {

    public double egressPps() {
        return deliveredPackets / windowSeconds;
    }

    public double egressBytesPerSecond() {
        return deliveredBytes / windowSeconds;
    }

    /** What the publishers offered: every packet they sent in the window times its receivers, per second. */
    public double offeredEgressPps() {
        return expectedPackets / windowSeconds;
    }

    /** 1 - delivered/expected; NaN when nothing was expected. */
    public double lossRatio() {
        return expectedPackets == 0 ? Double.NaN : 1.0 - (double) deliveredPackets / expectedPackets;
    }

    /**
     * Relay CPU per packet it sent, in microseconds: by the relay's own egress counter (every packet written to a
     * client, live or replayed, measured or not) when it exposes one, else by the packets the measured
     * subscribers received. NaN when the count is 0.
     */
    public double relayCpuUsPerEgressPacket() {
        if (relayEgressPackets != null && relayEgressPackets > 0) {
            return relayCpuSeconds * 1e6 / relayEgressPackets;
        }
        return relayCpuUsPerDeliveredPacket();
    }

    /** Which count {@link #relayCpuUsPerEgressPacket()} divided by. */
    public String relayCpuBasis() {
        return relayEgressPackets != null && relayEgressPackets > 0 ? "relay_egress_counter" : "delivered_packets";
    }

    /** Relay CPU per packet the measured subscribers received, in microseconds; NaN when none did. */
    public double relayCpuUsPerDeliveredPacket() {
        return deliveredPackets == 0 ? Double.NaN : relayCpuSeconds * 1e6 / deliveredPackets;
    }

    /** The relay's own egress rate (all receivers, replays included), when it exposes a counter; else null. */
    public Double relayEgressPps() {
        return relayEgressPackets == null ? null : relayEgressPackets / windowSeconds;
    }

    /** The relay's own egress in bytes per second (all receivers, replays included), when it exposes it; else null. */
    public Double relayEgressBytesPerSecond() {
        return relayEgressBytes == null ? null : relayEgressBytes / windowSeconds;
    }

    /** Live packets of the window one receiver got per second, on average; NaN without receivers. */
    public double egressPpsPerReceiver() {
        return receivers == 0 ? Double.NaN : egressPps() / receivers;
    }

    /** Bytes of those per second, on average; NaN without receivers. */
    public double egressBytesPerSecondPerReceiver() {
        return receivers == 0 ? Double.NaN : egressBytesPerSecond() / receivers;
    }
}
