package io.kfrelay.admin;

import io.kfrelay.cache.CacheBudget;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.pipeline.RelayCore;

import java.util.Locale;
import java.util.Map;

/**
 * {@code /api/stats}: the relay-wide counters and gauges the admin page charts, read without asking the shards (each
 * is a single-writer counter or an atomic). Counters only grow: the page takes differences between two polls for
 * rates; {@code timeMs} says when they were read.
 */
final class StatsJson {
    private StatsJson() {
    }

    static Map<String, Object> stats(RelayCore core) {
        RelayMetrics m = core.metrics();
        Map<String, Object> drops = Json.object();
        long dropped = 0;
        for (DropReason r : DropReason.values()) {
            long n = m.drops(r);
            dropped += n;
            drops.put(r.name().toLowerCase(Locale.ROOT), n);
        }
        CacheBudget budget = core.cacheBudget();
        return Json.object(
                "timeMs", System.currentTimeMillis(),
                "cacheMode", core.config().cacheMode(),
                "draining", core.isDraining(),
                "rooms", m.stat(Stat.ROOMS),
                "participants", m.stat(Stat.PARTICIPANTS),
                "streams", m.stat(Stat.STREAMS),
                "joins", m.stat(Stat.JOINS),
                "leaves", m.stat(Stat.LEAVES),
                "ingressPackets", m.stat(Stat.INGRESS_PACKETS),
                "ingressBytes", m.stat(Stat.INGRESS_BYTES),
                "egressPackets", m.stat(Stat.EGRESS_PACKETS),
                "egressBytes", m.stat(Stat.EGRESS_BYTES),
                "drops", dropped,
                "dropsByReason", drops,
                "cacheBytes", m.stat(Stat.CACHE_BYTES),
                "cacheEntries", m.stat(Stat.CACHE_ENTRIES),
                "cacheBudgetBytes", budget.limit(),
                "cacheBudgetUsedBytes", budget.reserved(),
                "replays", m.stat(Stat.REPLAYS),
                "replaysActive", m.stat(Stat.REPLAYS_ACTIVE),
                "replayBytes", m.stat(Stat.REPLAY_BYTES),
                "keyframeRequestsSent", m.stat(Stat.KEYFRAME_REQUESTS_SENT));
    }
}
