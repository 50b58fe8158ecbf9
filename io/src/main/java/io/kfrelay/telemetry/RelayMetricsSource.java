package io.kfrelay.telemetry;

import io.kfrelay.log.LifecycleLog;
import io.kfrelay.cache.CacheBudget;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.metrics.ClientRequest;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.GopClose;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.LayerCause;

import java.util.Locale;

/** The relay core's numbers: rooms, media through the shards, drops, the keyframe cache, replays, rings. */
public final class RelayMetricsSource implements MetricSource {
    private final RelayCore core;
    private final String mode;

    public RelayMetricsSource(RelayCore core) {
        this.core = core;
        this.mode = lower(core.config().cacheMode());
    }

    @Override
    public void collect(MetricWriter out) {
        RelayMetrics m = core.metrics();
        out.gauge("kfrelay_rooms", "Rooms open now", m.stat(Stat.ROOMS));
        out.gauge("kfrelay_participants", "Participants joined now", m.stat(Stat.PARTICIPANTS));
        out.gauge("kfrelay_streams", "Streams being published now", m.stat(Stat.STREAMS));
        out.counter("kfrelay_joins_total", "JOINs accepted", m.stat(Stat.JOINS));
        out.counter("kfrelay_joins_rejected_total", "JOINs refused by the relay core (invalid, full, draining)",
                m.stat(Stat.JOINS_REJECTED));
        out.counter("kfrelay_leaves_total", "Participants gone: leave, disconnect or eviction", m.stat(Stat.LEAVES));

        out.counter("kfrelay_core_ingress_packets_total", "Media packets the shards took in (all transports)",
                m.stat(Stat.INGRESS_PACKETS));
        out.counter("kfrelay_core_ingress_bytes_total", "Bytes of those packets", m.stat(Stat.INGRESS_BYTES));
        out.counter("kfrelay_core_egress_packets_total",
                "Media packets handed to receivers' transport queues, live and replayed (one per receiver)",
                m.stat(Stat.EGRESS_PACKETS));
        out.counter("kfrelay_core_egress_bytes_total", "Bytes of those packets", m.stat(Stat.EGRESS_BYTES));

        for (DropReason r : DropReason.values()) {
            out.counter("kfrelay_drops_total", "Media packets (or one receiver's copy) not delivered, by reason",
                    m.drops(r), "reason", lower(r));
        }
        for (DecodeStatus s : DecodeStatus.values()) {
            if (s != DecodeStatus.OK) {
                out.counter("kfrelay_malformed_media_total", "Media packets whose header failed validation, by reason",
                        m.decodeRejects(s), "reason", lower(s));
            }
        }

        out.gauge("kfrelay_cache_bytes", "Bytes of media held by keyframe caches (cached, GOP and partial)",
                m.stat(Stat.CACHE_BYTES), "mode", mode);
        out.gauge("kfrelay_cache_entries", "Video streams with a complete cached keyframe",
                m.stat(Stat.CACHE_ENTRIES), "mode", mode);
        out.gauge("kfrelay_cache_capacity_bytes", "Off-heap memory reserved by keyframe caches",
                m.stat(Stat.CACHE_CAPACITY_BYTES), "mode", mode);
        out.counter("kfrelay_keyframes_promoted_total", "Complete keyframes that replaced a stream's cached one",
                m.stat(Stat.KEYFRAMES_PROMOTED));
        for (KeyframeReject r : KeyframeReject.values()) {
            out.counter("kfrelay_keyframes_rejected_total", "Keyframes dropped while being assembled, by reason",
                    m.keyframeRejects(r), "reason", lower(r));
        }
        out.counter("kfrelay_gops_truncated_total", "GOPs that stopped growing before their next keyframe (gop mode)",
                m.stat(Stat.GOPS_TRUNCATED));
        for (GopClose r : GopClose.values()) {
            out.counter("kfrelay_gops_closed_total", "GOPs that stopped growing before their next keyframe, by reason",
                    m.gopCloses(r), "reason", lower(r));
        }
        for (CacheMiss r : CacheMiss.values()) {
            out.counter("kfrelay_cache_misses_total",
                    "Pictures (or parts) that did not fit the cache, by reason (each names the option that raises it)",
                    m.cacheMisses(r), "reason", lower(r));
        }
        out.counter("kfrelay_cache_evictions_total", "Stream caches evicted to make room for another stream's keyframe",
                m.stat(Stat.CACHE_EVICTIONS));
        CacheBudget budget = core.cacheBudget();
        out.gauge("kfrelay_cache_budget_bytes", "The relay-wide cache budget (--cache-budget)", budget.limit());
        out.gauge("kfrelay_cache_budget_used_bytes",
                "Charged to the cache budget: segments (cached, held by replays, pooled) and queued catch-up packets",
                budget.reserved());
        out.gauge("kfrelay_cache_replay_held_bytes", "Cache memory only replays still hold (superseded or evicted)",
                budget.replayHeld());
        out.gauge("kfrelay_replay_queued_bytes", "Live media queued behind running replays", budget.queued());
        out.counter("kfrelay_cache_budget_refusals_total", "Times the cache budget had no room", budget.refusals());

        out.counter("kfrelay_replays_total", "Late joiners replayed cached keyframes", m.stat(Stat.REPLAYS));
        out.counter("kfrelay_replays_skipped_forward_total",
                "Joiners that could not keep up with their replay and were moved forward to the next keyframes",
                m.stat(Stat.REPLAYS_SKIPPED_FORWARD));
        out.gauge("kfrelay_replays_active", "Replays running now", m.stat(Stat.REPLAYS_ACTIVE));
        out.counter("kfrelay_replay_packets_total", "Packets put into replays", m.stat(Stat.REPLAY_PACKETS));
        out.counter("kfrelay_replay_bytes_total", "Bytes put into replays", m.stat(Stat.REPLAY_BYTES));
        out.histogram("kfrelay_replay_duration_seconds",
                "Time from a replay's first packet to its hand-over to live (the queued live packets included)",
                m.replayDurations().snapshot());
        out.histogram("kfrelay_late_join_seconds",
                "Time from a JOIN into a room with video being published to the joiner being live on it: its replay "
                        + "from the cache handed over, or (nothing cached) the first keyframe start forwarded to it",
                m.lateJoins().snapshot());
        out.histogram("kfrelay_relay_latency_seconds",
                "Time the relay core adds to a media packet, sampled (1 in " + RelayMetrics.RELAY_LATENCY_SAMPLE_EVERY
                        + "): from an I/O thread putting it in its shard's ring to the shard having handed it to every "
                        + "receiver's transport queue",
                m.relayLatency().snapshot());

        out.counter("kfrelay_keyframe_requests_sent_total", "KEYFRAME_REQUESTs sent to publishers",
                m.stat(Stat.KEYFRAME_REQUESTS_SENT));
        out.counter("kfrelay_keyframe_requests_throttled_total",
                "Keyframe requests not sent because one went out for the stream within the interval",
                m.stat(Stat.KEYFRAME_REQUESTS_THROTTLED));

        out.gauge("kfrelay_simulcast_sources", "Simulcast sources declared by publishers present", m.stat(Stat.SOURCES));
        out.counter("kfrelay_subscribes_total", "SUBSCRIBEs applied (a new subscription or a new layer preference)",
                m.stat(Stat.SUBSCRIBES));
        out.counter("kfrelay_unsubscribes_total", "UNSUBSCRIBEs that ended a subscription", m.stat(Stat.UNSUBSCRIBES));
        out.counter("kfrelay_subscribes_refused_total",
                "SUBSCRIBEs answered with SUBSCRIBE_REFUSED by the shard (no such stream or layer, own stream, not allowed)",
                m.stat(Stat.SUBSCRIBES_REFUSED));
        for (LayerCause c : LayerCause.values()) {
            out.counter("kfrelay_layer_switches_total",
                    "Simulcast receivers moved from one layer to another, by cause", m.layerSwitches(c),
                    "cause", lower(c));
        }
        out.counter("kfrelay_layer_switches_served_total",
                "Layer switches by how the new layer started: replayed from the cache at once, or after a keyframe request",
                m.stat(Stat.LAYER_SWITCHES_FROM_CACHE), "from", "cache");
        out.counter("kfrelay_layer_switches_served_total",
                "Layer switches by how the new layer started: replayed from the cache at once, or after a keyframe request",
                m.stat(Stat.LAYER_SWITCHES_WAITED), "from", "keyframe_request");

        out.counter("kfrelay_sink_errors_total", "Times a transport sink threw (the other receivers were served)",
                m.stat(Stat.SINK_ERRORS));
        out.counter("kfrelay_handler_errors_total", "Events a shard skipped after an unexpected exception (a bug)",
                m.stat(Stat.HANDLER_ERRORS));

        for (ClientRequest r : ClientRequest.values()) {
            out.counter("kfrelay_client_requests_total",
                    "Keyframe requests, stream ends and subscription changes from clients: coalesced, shed or refused, "
                            + "and the batches that carried them",
                    m.clientRequests().get(r), "outcome", lower(r));
        }

        int ring = core.config().ringSize();
        for (int shard = 0; shard < m.shardCount(); shard++) {
            String s = Integer.toString(shard);
            out.gauge("kfrelay_ring_occupancy", "Events waiting in a shard's ring", core.ringOccupancy(shard),
                    "shard", s);
            out.gauge("kfrelay_ring_bytes", "Bytes of media waiting in a shard's ring", core.ringBytes(shard),
                    "shard", s);
            out.gauge("kfrelay_ring_work", "Deliveries (packets x receivers) waiting in a shard's ring",
                    core.ringWork(shard), "shard", s);
            out.gauge("kfrelay_ring_capacity", "Slots of a shard's ring", ring, "shard", s);
        }
        out.gauge("kfrelay_draining", "1 while the relay is draining (refusing new joins)", core.isDraining() ? 1 : 0);
        out.counter("kfrelay_log_lines_dropped_total", "Log lines dropped because the log writer fell behind",
                LifecycleLog.dropped());
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
