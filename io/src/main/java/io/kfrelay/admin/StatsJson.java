package io.kfrelay.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kfrelay.cache.CacheBudget;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.pipeline.RelayCore;

import java.util.Locale;

/**
 * {@code /api/stats}: the relay-wide counters and gauges the admin page charts, read without asking the shards (each
 * is a single-writer counter or an atomic). Counters only grow: the page takes differences between two polls for
 * rates; {@code timeMs} says when they were read.
 */
final class StatsJson {
    private StatsJson() {
    }

    static ObjectNode stats(RelayCore core) {
        RelayMetrics m = core.metrics();
        ObjectNode drops = JsonSupport.object();
        long dropped = 0;
        for (DropReason r : DropReason.values()) {
            long n = m.drops(r);
            dropped += n;
            drops.put(r.name().toLowerCase(Locale.ROOT), n);
        }
        CacheBudget budget = core.cacheBudget();
        ObjectNode o = JsonSupport.object()
                .put("timeMs", System.currentTimeMillis())
                .put("cacheMode", core.config().cacheMode().name().toLowerCase(Locale.ROOT))
                .put("draining", core.isDraining())
                .put("rooms", m.stat(Stat.ROOMS))
                .put("participants", m.stat(Stat.PARTICIPANTS))
                .put("streams", m.stat(Stat.STREAMS))
                .put("joins", m.stat(Stat.JOINS))
                .put("leaves", m.stat(Stat.LEAVES))
                .put("ingressPackets", m.stat(Stat.INGRESS_PACKETS))
                .put("ingressBytes", m.stat(Stat.INGRESS_BYTES))
                .put("egressPackets", m.stat(Stat.EGRESS_PACKETS))
                .put("egressBytes", m.stat(Stat.EGRESS_BYTES))
                .put("drops", dropped);
        o.set("dropsByReason", drops);
        return o.put("cacheBytes", m.stat(Stat.CACHE_BYTES))
                .put("cacheEntries", m.stat(Stat.CACHE_ENTRIES))
                .put("cacheBudgetBytes", budget.limit())
                .put("cacheBudgetUsedBytes", budget.reserved())
                .put("replays", m.stat(Stat.REPLAYS))
                .put("replaysActive", m.stat(Stat.REPLAYS_ACTIVE))
                .put("replayBytes", m.stat(Stat.REPLAY_BYTES))
                .put("keyframeRequestsSent", m.stat(Stat.KEYFRAME_REQUESTS_SENT));
    }
}
