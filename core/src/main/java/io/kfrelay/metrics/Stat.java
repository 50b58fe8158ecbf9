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
    /** GOPs that stopped growing at a cap (bytes or age) before their next keyframe. */
    GOPS_TRUNCATED,
    REPLAYS,
    REPLAY_PACKETS,
    REPLAY_BYTES,
    /** Replays skipped because no direct memory was left for the copy (the joiner waits for keyframes). */
    REPLAYS_FAILED,
    KEYFRAME_REQUESTS_SENT,
    KEYFRAME_REQUESTS_THROTTLED,
    /** A sink threw: counted, and every other receiver still got its packet. */
    SINK_ERRORS,
    /** The consumer caught an unexpected exception while handling an event (a bug: the event was skipped). */
    HANDLER_ERRORS,
    // gauges
    ROOMS,
    PARTICIPANTS,
    STREAMS,
    /** Exact bytes of media held by keyframe caches (complete entries, GOP deltas and partial keyframes). */
    CACHE_BYTES,
    /** Streams that hold a complete cached keyframe. */
    CACHE_ENTRIES,
    /** Off-heap capacity reserved by cache stores (at least CACHE_BYTES). */
    CACHE_CAPACITY_BYTES,
    /** Joiners whose replay is still running. */
    REPLAYS_ACTIVE
}
