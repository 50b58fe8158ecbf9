package io.kfrelay.metrics;

/** Per-shard counters and gauges, written only by the shard's consumer thread. */
public enum Stat {
    // counters
    INGRESS_PACKETS,
    INGRESS_BYTES,
    /** Packets handed to participant sinks (one per receiver), live and replayed. */
    EGRESS_PACKETS,
    EGRESS_BYTES,
    JOINS,
    JOINS_REJECTED,
    LEAVES,
    KEYFRAMES_PROMOTED,
    /** GOPs that stopped growing before their next keyframe (a cap, the budget, or a gap; by reason: GopClose). */
    GOPS_TRUNCATED,
    /** Stream caches evicted to make room for another stream's keyframe under the cache budget. */
    CACHE_EVICTIONS,
    REPLAYS,
    REPLAY_PACKETS,
    REPLAY_BYTES,
    /** Joiners that could not keep up with their replay and were moved forward to their streams' next keyframes. */
    REPLAYS_SKIPPED_FORWARD,
    KEYFRAME_REQUESTS_SENT,
    KEYFRAME_REQUESTS_THROTTLED,
    /** SUBSCRIBEs applied (a new subscription, or a new layer preference). */
    SUBSCRIBES,
    UNSUBSCRIBES,
    /** SUBSCRIBEs answered with SUBSCRIBE_REFUSED by the shard (no such stream, not allowed, no such layer...). */
    SUBSCRIBES_REFUSED,
    /** Layer switches (by cause: LayerCause) whose new layer the cache could replay at once. */
    LAYER_SWITCHES_FROM_CACHE,
    /** Layer switches that had to wait for the new layer's next keyframe (nothing of it was cached). */
    LAYER_SWITCHES_WAITED,
    /** A sink threw: counted, and every other receiver still got its packet. */
    SINK_ERRORS,
    /** The consumer caught an unexpected exception while handling an event (a bug: the event was skipped). */
    HANDLER_ERRORS,
    // gauges
    ROOMS,
    PARTICIPANTS,
    STREAMS,
    /** Simulcast sources declared by publishers present. */
    SOURCES,
    /** Exact bytes of media held by keyframe caches (complete entries, GOP deltas and partial keyframes). */
    CACHE_BYTES,
    /** Streams that hold a complete cached keyframe. */
    CACHE_ENTRIES,
    /** Off-heap capacity reserved by cache stores (at least CACHE_BYTES). */
    CACHE_CAPACITY_BYTES,
    /** Joiners whose replay is still running. */
    REPLAYS_ACTIVE
}
