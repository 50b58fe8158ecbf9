package io.kfrelay.metrics;

/** Why a keyframe being assembled was not promoted to the cache. */
public enum KeyframeReject {
    /** A packet inside the keyframe is missing (sequence jumped forward). */
    GAP,
    /** A packet inside the keyframe arrived out of order (sequence went backwards). */
    REORDER,
    /** Keyframe packets arrived with no FRAME_START packet before them. */
    MISSING_START,
    /** The keyframe grew past the per-stream byte cap. */
    OVER_CAP,
    /** A delta packet or a newer keyframe arrived before FRAME_END: the stale partial was discarded. */
    INTERRUPTED,
    /** The relay-wide cache budget had no room for it, even after evicting larger caches on its shard. */
    OVER_BUDGET
}
