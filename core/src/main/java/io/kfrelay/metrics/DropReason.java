package io.kfrelay.metrics;

/** Why a media packet (or one receiver's copy of it) was not delivered. */
public enum DropReason {
    /** The shard's ring had no room (slots, bytes or work): the I/O thread dropped it rather than block. */
    RING_FULL,
    /** The shard's ring was under pressure and the packet's room already held its fair share of it. */
    INGRESS_SHARE,
    /** The header failed validation (the decode reason is counted separately). */
    MALFORMED,
    /** The sender is not (or no longer) a participant. */
    UNKNOWN_SENDER,
    /** The packet's kind contradicts the kind its stream started with. */
    KIND_MISMATCH,
    /** The receiver waits for the start of a keyframe on this stream (it joined with no cached picture or lost packets). */
    AWAITING_KEYFRAME,
    /** A joiner still in replay could not keep up: the queue behind its replay was full (it moves forward). */
    REPLAY_QUEUE_FULL,
    /** The sender already publishes the maximum number of streams. */
    TOO_MANY_STREAMS,
    /** The sender's grants do not include canPublish (it is evicted with PUBLISH_NOT_ALLOWED on the first one). */
    PUBLISH_NOT_ALLOWED
}
